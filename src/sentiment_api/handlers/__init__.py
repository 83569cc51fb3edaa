"""Lambda entry points, named in template.yaml; nothing imports them."""
