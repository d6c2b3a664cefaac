# One Python process per fixture asks the installed Ansible everything the oracle test compares:
#  - `ansible-inventory ARGS` runs (--list, --graph, --graph --vars): the InventoryCLI class itself,
#    run in-process with --output to a temporary file;
#  - host selections: the code path of `ansible PATTERN -i SOURCES [--limit L] --list-hosts`
#    (InventoryManager.subset + list_hosts, which CLI.get_host_list calls). Errors (bad regex,
#    subscript out of range, missing @file) are reported instead of being turned into
#    "No hosts matched" as the adhoc CLI does.
# Starting Ansible costs ~0.7 s of CPU; one start per fixture keeps the oracle fast. The test also
# runs the real executables on a few cases to show they agree with this helper.
# stdin:  {"sources": [...], "cli": [[arg, ...], ...], "queries": [{"pattern": "...", "limit": ...}]}
# stdout: {"cli": [{"out": "..."} | {"error": "..."}], "hosts": [{"hosts": [...]} | {"error": "..."}]}
import json
import os
import sys
import tempfile
from itertools import chain

from ansible.cli.inventory import InventoryCLI
from ansible.errors import AnsibleError
from ansible.inventory.group import Group
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.utils.context_objects import GlobalCLIArgs


def _walk_relationship(self, rel, include_self=False, preserve_ordering=False):
    """Group._walk_relationship with insertion-ordered sets instead of Python sets.

    Ansible walks a group's descendants level by level; within one level it iterates a set of
    Group objects hashed by id(), so the order of grandchildren changes from run to run. This
    pins it to the parents' order (one of the orders Ansible can print, and the one remediate
    uses) so that host order can be compared exactly. Nothing else is changed.
    """
    seen = {}
    unprocessed = dict.fromkeys(getattr(self, rel))
    if include_self:
        unprocessed[self] = None
    if preserve_ordering:
        ordered = [self] if include_self else []
        ordered.extend(getattr(self, rel))
    while unprocessed:
        seen.update(unprocessed)
        new_unprocessed = {}
        for new_item in chain.from_iterable(getattr(g, rel) for g in unprocessed):
            new_unprocessed[new_item] = None
            if preserve_ordering and new_item not in seen:
                ordered.append(new_item)
        unprocessed = {k: None for k in new_unprocessed if k not in seen}
    if preserve_ordering:
        return ordered
    return set(seen)


Group._walk_relationship = _walk_relationship


def inventory_cli(args):
    """`ansible-inventory ARGS`, its output as text."""
    GlobalCLIArgs._Singleton__instance = None  # the CLI sets its parsed arguments once per process
    fd, out = tempfile.mkstemp(suffix=".out")
    os.close(fd)
    try:
        try:
            InventoryCLI(["ansible-inventory"] + args + ["--output", out]).run()
        except SystemExit as e:
            if e.code not in (0, None):
                return {"error": "ansible-inventory exited with %s" % e.code}
        with open(out) as f:
            return {"out": f.read()}
    except AnsibleError as e:
        return {"error": str(e)}
    finally:
        os.unlink(out)


req = json.load(sys.stdin)
cli = [inventory_cli(args) for args in req["cli"]]
inventory = InventoryManager(loader=DataLoader(), sources=req["sources"])
out = []
for q in req["queries"]:
    limit = q.get("limit")
    try:
        inventory.subset(limit)
        hosts = inventory.list_hosts(q["pattern"])
        out.append({"hosts": [getattr(h, "name", h) for h in hosts]})
    except AnsibleError as e:
        out.append({"error": str(e)})
    finally:
        inventory.subset(None)
print(json.dumps({"cli": cli, "hosts": out}))
