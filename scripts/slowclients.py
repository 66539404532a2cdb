#!/usr/bin/env python3
"""Memory under slow clients (issue 12): python3 scripts/slowclients.py PID PORT against a keyed
`CHATBI_API_KEYS=k,k2 chatbi serve --addr 127.0.0.1:PORT` on this machine. Loopback only, bounded:
10k idle sockets, then 5k slow bodies for 20 s; prints the server RSS and a keyed ask each step."""
import socket, sys, time, os, json, urllib.request
pid = int(sys.argv[1]); port = int(sys.argv[2])
def rss():
    for l in open(f"/proc/{pid}/status"):
        if l.startswith("VmRSS"): return int(l.split()[1])//1024
def ask(key="k"):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/ask", data=json.dumps({"question":"重要价值客户有多少"}).encode(),
        headers={"Content-Type":"application/json","Authorization":"Bearer "+key})
    t=time.time()
    try:
        r=urllib.request.urlopen(req, timeout=10); code=r.status
    except Exception as e: code=str(e)
    return code, round((time.time()-t)*1000,1)
print("rss before", rss(), "MB; ask", ask())
socks=[]
for i in range(10000):
    s=socket.socket(); s.connect(("127.0.0.1",port))
    s.send(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()); socks.append(s)
print("after 10k idle: rss", rss(), "MB; ask", ask())
slow=[]
for i in range(5000):
    try:
        s=socket.socket(); s.connect(("127.0.0.1",port))
        s.send(f"POST /api/v1/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {'k2' if i%2 else 'x'}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{{".encode()); slow.append(s)
    except Exception as e:
        print("dial", i, e); break
print("after 5k slow bodies: rss", rss(), "MB; ask", ask())
for r in range(4):
    time.sleep(5)
    for s in slow:
        try: s.send(b" ")
        except Exception: pass
    print(f"t+{5*(r+1)}s: rss", rss(), "MB; ask", ask())
for s in socks+slow: s.close()
time.sleep(2)
print("closed: rss", rss(), "MB; ask", ask())
