"""The site shell: home page, health check, base template, error pages, CSS and vendored htmx."""
