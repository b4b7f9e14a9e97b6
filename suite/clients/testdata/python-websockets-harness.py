"""Autobahn-style client harness for Python websockets (asyncio API), as
websockets runs Autobahn's fuzzingserver: the case count, every case
echoing, then updateReports.

usage: python3 python-websockets-harness.py ws://127.0.0.1:9001 agent
"""
import asyncio
import json
import sys
import urllib.parse

import websockets


async def main(base, agent):
    quoted = urllib.parse.quote(agent)
    async with websockets.connect(base + "/getCaseCount") as ws:
        count = json.loads(await ws.recv())
    for case in range(1, count + 1):
        try:
            async with websockets.connect(f"{base}/runCase?case={case}&agent={quoted}", max_size=None) as ws:
                async for msg in ws:
                    await ws.send(msg)
        except websockets.exceptions.WebSocketException:
            pass
    async with websockets.connect(f"{base}/updateReports?agent={quoted}") as ws:
        try:
            await ws.recv()
        except websockets.exceptions.ConnectionClosed:
            pass


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
