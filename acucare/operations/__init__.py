"""Running acucare in production: request logs, health and readiness, backups."""
