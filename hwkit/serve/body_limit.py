"""An ASGI middleware that refuses a request body larger than a limit (413) while it arrives:
by its Content-Length before reading anything, or — for a chunked body without one — as soon
as the bytes received pass the limit. Without it the multipart parser would spool a body of
any size to disk before a route could look at it, for anyone, logged in or not."""

import json


class BodyLimit:
    def __init__(self, app, max_bytes: int, message: str):
        self.app = app
        self.max_bytes = max_bytes
        self.message = message

    async def _refuse(self, send) -> None:
        body = json.dumps({"detail": self.message}, ensure_ascii=False).encode("utf-8")
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            return await self._refuse(send)
        received, started, refused = 0, False, False

        async def limited_receive():
            # Past the limit: answer 413 now and tell the app the client went away (the app
            # would turn an exception raised here into its own 400).
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes and not started:
                    refused = True
                    await self._refuse(send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            nonlocal started
            if refused:
                return  # the 413 has been sent; whatever the app says next is dropped
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, limited_receive, guarded_send)
