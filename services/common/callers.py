"""Who may call an operator RPC, told by the broker, not by the caller.

RabbitMQ refuses a message whose AMQP `user_id` property is not the user of the connection
that published it (measured: the channel is closed with PRECONDITION_FAILED), so `user_id` is
the one caller identity a service cannot forge. `operator_rpc` is nameko's `rpc` entrypoint
that refuses, before any worker runs, a call whose `user_id` is not an allowed luutru role's:
the operators' CLI and the gateway (which authenticates its HTTP callers and passes the
principal in the arguments) by default. `SignedRpcProxy` stamps the calling service's own user
on its calls, as pika does for the CLI (services/common/rpc_client.py).

Where set-up could make no broker users (a remote broker, docs/scale-out.md), every process
shares one user: then a call carrying that same user, or none, is let through, since the
broker cannot tell the services apart anyway.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.rpc import Rpc, RpcProxy, ServiceProxy

from services.common.broker_users import OPERATOR, role_of
from services.common.errors import ErrorCode, LuutruError

OPERATOR_CALLERS = frozenset({OPERATOR, "gateway"})


class CallerRefused(LuutruError):
    """An RPC reserved to operators was called by another broker user."""

    code = ErrorCode.CALLER_REFUSED


def broker_user(amqp_uri: str) -> str:
    return unquote(urlsplit(amqp_uri).username or "")


def may_call(caller: str | None, own_user: str, allowed: frozenset[str]) -> bool:
    """Whether a message published by broker user `caller` may run an RPC allowed to the
    roles `allowed`, in a service connected as `own_user`."""
    if role_of(own_user) is None:  # one shared user: the broker tells no one apart
        return caller in (None, own_user)
    return role_of(caller) in allowed


class OperatorRpc(Rpc):
    """`@operator_rpc` (CLI and gateway) or `@operator_rpc(allowed={"cli", "retention"})`."""

    def __init__(self, allowed: frozenset[str] | set[str] = OPERATOR_CALLERS, **kwargs):
        self.allowed = frozenset(allowed)
        super().__init__(**kwargs)

    def handle_message(self, body, message):
        caller = message.properties.get("user_id")
        own_user = broker_user(self.container.config[AMQP_URI_CONFIG_KEY])
        if not may_call(caller, own_user, self.allowed):
            # raised here, nameko's RpcConsumer answers the caller with it and acks the call
            raise CallerRefused(
                f"Người gọi {caller or '(không rõ)'} không được phép gọi {self.method_name} / "
                f"broker user {caller or '(none)'} may not call {self.method_name}"
            )
        super().handle_message(body, message)


operator_rpc = OperatorRpc.decorator


class SignedRpcProxy(RpcProxy):
    """nameko's RpcProxy whose calls carry the service's broker user as AMQP `user_id`."""

    def get_dependency(self, worker_ctx):
        user = broker_user(self.container.config[AMQP_URI_CONFIG_KEY])
        options = {**self.options, "user_id": user} if user else self.options
        return ServiceProxy(worker_ctx, self.target_service, self.rpc_reply_listener, **options)
