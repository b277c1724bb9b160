# Fetches one URL several times at once with asyncio and the uhttp client beside this script;
# prints each reply's status, length and checksum, or the errno of a failed request.
#   http_fetch.py URL COUNT
import asyncio
import sys

import uhttp


def checksum(data):
    total = 0
    for byte in data:
        total = (total * 31 + byte) & 0xFFFFFFFF
    return total


async def fetch(n, url):
    try:
        response = await uhttp.request("GET", url)
        body = await response.read()
        await response.aclose()
    except OSError as e:
        return "%d failed: errno %d" % (n, e.args[0])
    expected = int(response.headers.get("content-length", -1))
    if expected != len(body):
        return "%d short body: %d of %d" % (n, len(body), expected)
    return "%d status %d length %d sum %d" % (n, response.status, len(body), checksum(body))


async def main(url, count):
    results = await asyncio.gather(*[fetch(n, url) for n in range(count)])
    for line in results:
        print(line)


asyncio.run(main(sys.argv[1], int(sys.argv[2])))
