"""Drives the sandbox's MTProto door with Telethon v1's own network stack (Debian's python3-telethon).

Usage: python3 telethon_probe.py HOST PORT TRANSPORT API_ID < server_public_key.pem
TRANSPORT is one of: full, abridged, intermediate, obfuscated.

Telethon's key exchange encrypts p_q_inner_data the older way (sha1 + data + padding, raw RSA).
The probe makes the key, calls help.getNearestDc inside invokeWithLayer/initConnection, pings,
and prints one JSON line with what it saw.
"""
import asyncio
import collections
import json
import logging
import sys

import telethon
from telethon.crypto import rsa
from telethon.network import (
    ConnectionTcpAbridged,
    ConnectionTcpFull,
    ConnectionTcpIntermediate,
    ConnectionTcpObfuscated,
    MTProtoSender,
)
from telethon.tl import functions
from telethon.tl.alltlobjects import LAYER

CONNECTIONS = {
    'full': ConnectionTcpFull,
    'abridged': ConnectionTcpAbridged,
    'intermediate': ConnectionTcpIntermediate,
    'obfuscated': ConnectionTcpObfuscated,
}


async def main():
    host, port, transport, api_id = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    rsa.add_key(sys.stdin.read(), old=False)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    loggers = collections.defaultdict(lambda: logging.getLogger('telethon'))
    sender = MTProtoSender(None, loggers=loggers, retries=1, auto_reconnect=False, connect_timeout=10)
    await sender.connect(CONNECTIONS[transport](host, port, 2, loggers=loggers))
    try:
        init = functions.InitConnectionRequest(
            api_id=api_id,
            device_model='sandbox probe',
            system_version='1',
            app_version='1',
            system_lang_code='en',
            lang_pack='',
            lang_code='en',
            query=functions.help.GetNearestDcRequest(),
        )
        nearest = await asyncio.wait_for(sender.send(functions.InvokeWithLayerRequest(LAYER, init)), 10)
        pong = await asyncio.wait_for(sender.send(functions.PingRequest(ping_id=4242)), 10)
        print(json.dumps({
            'telethon': telethon.__version__,
            'transport': transport,
            'this_dc': nearest.this_dc,
            'ping_id': pong.ping_id,
            'auth_key_id': sender.auth_key.key_id.to_bytes(8, 'little').hex(),
        }))
    finally:
        await sender.disconnect()


asyncio.run(main())
