"""The library every Ombuds service imports; services never import each other."""
