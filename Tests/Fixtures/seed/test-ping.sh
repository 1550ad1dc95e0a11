curl -X POST https://your-domain.com/heartbeat/abc123 -d '{"test":true}'
