#!/usr/bin/env python3
"""Memory under parallel exports (issue 12): python3 scripts/exports.py PID PORT QUESTION xlsx|csv
against a keyed (key k) chatbi serve on 127.0.0.1:PORT; 12 parallel downloads of one answer."""
import json, sys, time, threading, urllib.request, os
pid=int(sys.argv[1]); port=int(sys.argv[2]); q=sys.argv[3]; fmt=sys.argv[4]
def rss():
    for l in open(f"/proc/{pid}/status"):
        if l.startswith("VmRSS"): return int(l.split()[1])//1024
req=urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/ask", data=json.dumps({"question":q,"limit":1}).encode(), headers={"Content-Type":"application/json","Authorization":"Bearer k"})
a=json.load(urllib.request.urlopen(req)); print("total", a["total"], "rss", rss())
link=a["export"][fmt]
res=[]
def get():
    t=time.time()
    try:
        r=urllib.request.urlopen(f"http://127.0.0.1:{port}"+link, timeout=300); n=len(r.read()); res.append((r.status,n,round(time.time()-t,1)))
    except urllib.error.HTTPError as e: res.append((e.code,0,round(time.time()-t,1)))
ths=[threading.Thread(target=get) for _ in range(12)]
[t.start() for t in ths]
peak=0
while any(t.is_alive() for t in ths):
    peak=max(peak,rss()); time.sleep(0.1)
print("12 parallel", fmt, "exports:", sorted(res)[:3], "...", "codes", sorted(set(r[0] for r in res)), "peak rss", peak, "MB, after", rss())
