"""The deployment manifest (implemented in oracle.manifest, shared by scripts, oracle and backend)."""

from oracle.manifest import FORMAT, deployments_dir, load_manifest, manifest_path, new_manifest, save_manifest

__all__ = ["FORMAT", "deployments_dir", "load_manifest", "manifest_path", "new_manifest", "save_manifest"]
