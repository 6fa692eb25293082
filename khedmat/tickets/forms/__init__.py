"""Forms of requests: the portal application (apply) and the staff workspace (desk)."""
