"""Course packs: what one course or assignment needs to be graded, apart from the engine.

``grader.packs.load`` opens a pack (a folder or a ``.zip``) and checks it against its manifest;
``grader.packs.build`` writes one (``grade pack build``). docs/deployment.md describes the layout
and what a student pack leaves out.
"""
from .load import MANIFEST, Pack, PackError, activate, activated, open_pack

__all__ = ["MANIFEST", "Pack", "PackError", "activate", "activated", "open_pack"]
