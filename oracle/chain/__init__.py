"""The oracle's chain access (web3.py): contracts from the deployment manifest, signed transactions."""
