"""Summarise a log of ADL's LRS conformance suite: passed and failed tests by
section; with a second argument, each failure."""
import json,sys
d=json.load(open(sys.argv[1]))
def leaves(n, path):
    tests = n.get('tests') or []
    if not tests:
        yield path+[n.get('title') or ''], n.get('status'), n.get('error')
    for t in tests:
        yield from leaves(t, path+[n.get('title') or ''])
print("passed failed  section")
tp=tf=0
for top in d['log']['tests']:
    p=f=0
    for path,st,err in leaves(top,[]):
        if st=='passed': p+=1
        elif st=='failed': f+=1
    tp+=p; tf+=f
    print(f"{p:6d} {f:6d}  {top.get('title')}")
print(f"{tp:6d} {tf:6d}  total")
if len(sys.argv)>2:
    for top in d['log']['tests']:
        for path,st,err in leaves(top,[]):
            if st=='failed':
                print('FAIL', ' / '.join(x[:80] for x in path[1:]), '::', str(err)[:200].replace('\n',' '))
