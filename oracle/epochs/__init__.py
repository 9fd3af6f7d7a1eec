"""Reward epochs: select → compute → hash → tree → commit → pay, each step recorded before the next."""
