"""handling: the handling of incoming documents (xử lý văn bản đến) after registration.

NĐ 30/2020/NĐ-CP Điều 20 (steps 3–4: trình, chuyển giao; giải quyết, theo dõi, đôn đốc) and
Điều 24 (giải quyết và theo dõi, đôn đốc việc giải quyết văn bản đến): the leader's
distribution opinion becomes tasks with an assignee, supporters and a due date; assignees note
progress, forward, finish with a result. See docs/handling.md.
"""
