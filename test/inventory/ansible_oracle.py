# Ask the installed Ansible which hosts a list of patterns selects, through the code path of
# `ansible PATTERN -i SOURCES [--limit LIMIT] --list-hosts` (InventoryManager.subset + list_hosts,
# which CLI.get_host_list calls), so a whole table costs one interpreter start, not one per pattern.
# Errors (bad regex, subscript out of range, missing @file) are reported instead of being turned
# into "No hosts matched" as the adhoc CLI does.
# stdin: {"sources": [...], "queries": [{"pattern": "...", "limit": "..."|null}]}
# stdout: [{"hosts": [...]} | {"error": "..."}] in query order.
import json
import sys
from itertools import chain

from ansible.errors import AnsibleError
from ansible.inventory.group import Group
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader


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

req = json.load(sys.stdin)
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
print(json.dumps(out))
