"""Every service answers `ping` so the gateway's /healthz can tell who is up."""

from nameko.rpc import rpc


class Pingable:
    @rpc
    def ping(self) -> str:
        return "ok"
