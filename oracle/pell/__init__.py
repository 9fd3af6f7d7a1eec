"""PELL-IP public lighting (seed 000): municipalities' lighting plants and consumption, imported from CSV or
UrbanDataset files, certified on LightingCertification (static records by hash, monthly consumption in clear
with the hash of its measurements) and verified against the chain. See README.md, "PELL-IP public lighting"."""
