"""Operations seams shared by every app: the client's address behind a proxy, a request id in
every log line, and the health endpoints a load balancer or orchestrator probes."""
