"""`neuguong serve` binds its ports itself (to share them between workers and with the operations port): the
connections it accepts must send an answer's small writes at once, as asyncio's own servers do."""

import asyncio
import socket

from ops.actions import listening_socket


async def accepted_nodelay(listener: socket.socket) -> int:
    """TCP_NODELAY of a connection that an asyncio server accepted on `listener` (what uvicorn serves on)."""
    accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def on_connection(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.set_result(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    server = await asyncio.start_server(on_connection, sock=listener)
    async with server:
        _, writer = await asyncio.open_connection(*listener.getsockname()[:2])
        try:
            return await asyncio.wait_for(accepted, timeout=5)
        finally:
            writer.close()


async def test_connections_accepted_on_a_served_port_do_not_wait_for_acks():
    assert await accepted_nodelay(listening_socket("127.0.0.1", 0)) == 1


async def test_without_the_setting_asyncio_would_leave_nagle_on():
    """Why listening_socket exists: asyncio sets TCP_NODELAY only where the socket's protocol number is TCP."""
    assert await accepted_nodelay(socket.create_server(("127.0.0.1", 0))) == 0
