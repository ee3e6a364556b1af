"""Where a request's time goes, from py-spy's collapsed stacks (`--format raw`, best with `--gil`):
each sample is put in the first bucket whose frame it contains, innermost rules first.

    python bench/profile_buckets.py bench/results/profile-postgresql-10000-entry.gil.txt
"""
import collections
import re
import sys

# (bucket, a frame that puts a sample in it), tried in this order.
BUCKETS = [
    ("caller and path records, one statement (lineage.Lineage)", "Lineage.__init__ ("),
    ("client lookup (Clients.__getitem__)", "Clients.__getitem__ ("),
    ("entry lookup (Entries.__getitem__)", "Entries.__getitem__ ("),
    ("entry insert: SAVEPOINT, INSERT, RELEASE (diary.create_entry)", "create_entry (hyperdiary/diary/__init__.py"),
    ("listing query (paging.keyset_page)", "keyset_page ("),
    ("validation (jsonschema via diary.field_problems)", "field_problems ("),
    ("parse body (inputs / views.diary.parse_entry)", "parse_entry ("),
    ("other traversal (pyramid)", "ResourceTreeTraverser.__call__ ("),
    ("transaction commit (pyramid_tm, zope.sqlalchemy)", "_finish (pyramid_tm"),
    ("permission check (ACL)", "permits ("),
    ("view code (hyperdiary.views)", "(hyperdiary/views/"),
    ("rendering (orjson renderer, response)", "_render_view ("),
    ("rendering (orjson renderer, response)", "render_to_response ("),
    ("response headers (NewResponse subscriber)", "add_headers ("),
    ("logging (waitress 'Task queue depth' warnings)", "(logging/"),
    ("rest of pyramid (router, tweens, request)", "Router.__call__ ("),
    ("waitress worker: HTTP response writing", "WSGITask.execute ("),
    ("waitress worker: other", "handler_thread ("),
    ("waitress main thread: sockets, HTTP parsing", "BaseWSGIServer.run ("),
]


def buckets(path):
    counts, total = collections.Counter(), 0
    for line in open(path):
        stack, _, n = line.rstrip().rpartition(" ")
        if not n.isdigit():
            continue
        n = int(n)
        total += n
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        for name, marker in BUCKETS:
            if any(marker in f for f in frames):
                counts[name] += n
                break
        else:
            counts["other"] += n
    return total, counts


if __name__ == "__main__":
    for path in sys.argv[1:]:
        total, counts = buckets(path)
        print(f"{path}: {total} samples")
        for name, n in counts.most_common():
            print(f"  {n / total:6.1%}  {name}")
