"""Request bodies: JSON read and typed as dockerd reads them."""
