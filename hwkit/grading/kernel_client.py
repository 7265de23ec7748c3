"""The worker's kernel client: ready as soon as the kernel says so, not 0.2 s of silence later.

jupyter_client's ``wait_for_ready`` takes the kernel_info reply, then reads IOPub until it has
been quiet for 0.2 s: every kernel start paid that wait (and a second 0.2 s check that IOPub is
connected). Here the client waits for what it is actually waiting for: the kernel's IOPub
``status: idle`` for our own kernel_info request, which proves IOPub is connected and that
the kernel has finished with the request. Messages with other parents that arrive meanwhile
are dropped, as the flush dropped them; nbclient filters every later message by its parent.
"""

import time
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient

IOPUB_WAIT_S = 1.0  # per try: a slow-joining IOPub subscriber misses the first status


class PromptKernelClient(AsyncKernelClient):
    async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            request = self.kernel_info()
            reply = await self._reply_to(request, min(1.0, self._left(deadline)))
            if reply is not None and await self._idle_after(request, deadline):
                self._handle_kernel_info_reply(reply)
                return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")

    @staticmethod
    def _left(deadline: float) -> float:
        return max(0.01, deadline - time.monotonic())

    async def _reply_to(self, request: str, wait_s: float) -> dict | None:
        return await self._first(self.shell_channel, time.monotonic() + wait_s,
                                 lambda msg: msg["msg_type"] == "kernel_info_reply"
                                 and msg.get("parent_header", {}).get("msg_id") == request)

    async def _idle_after(self, request: str, deadline: float) -> bool:
        """True once IOPub says the kernel is idle after ``request``."""
        stop = min(deadline, time.monotonic() + IOPUB_WAIT_S)
        found = await self._first(self.iopub_channel, stop,
                                  lambda msg: msg["msg_type"] == "status"
                                  and msg.get("parent_header", {}).get("msg_id") == request
                                  and msg.get("content", {}).get("execution_state") == "idle")
        return found is not None

    async def _first(self, channel, stop: float, wanted) -> dict | None:
        """The first message on ``channel`` that ``wanted`` accepts before ``stop`` (others are
        dropped), or None."""
        while True:
            try:
                msg = await channel.get_msg(timeout=self._left(stop))
            except Empty:
                return None
            if wanted(msg):
                return msg
