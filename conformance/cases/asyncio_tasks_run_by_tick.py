"""asyncio runs tasks from one queue ordered by the tick each may run at: a task whose sleep ended
while another blocked the loop runs before that other task's sleep(0) (reference §15; design:
the firmware's asyncio, MicroPython's extmod/asyncio core.py; CPython's asyncio runs the other
task first)."""

NEEDS = ("asyncio",)


def dut(ctl):
    import asyncio
    import time

    async def sleeper():
        await asyncio.sleep_ms(10)
        print("sleeper")

    async def busy():
        time.sleep_ms(50)
        print("busy blocked")
        await asyncio.sleep(0)
        print("busy again")

    async def main():
        asyncio.create_task(sleeper())
        asyncio.create_task(busy())
        await asyncio.sleep_ms(100)

    asyncio.run(main())


EXPECTED = """
busy blocked
sleeper
busy again
"""
