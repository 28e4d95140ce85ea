"""TAP for the Python tests: ok(), diag(), and done() for the plan line and the exit status."""
n = 0
failed = 0


def ok(cond, msg):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, msg), flush=True)
    return cond


def diag(msg):
    for line in str(msg).splitlines():
        print("# " + line, flush=True)


def done():
    """Print the plan ("1..N"); returns the exit status: 1 when a test failed."""
    print("1..%d" % n)
    return 1 if failed else 0
