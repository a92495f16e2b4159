"""Secrecy marks (Luật Bảo vệ bí mật nhà nước 2018, Điều 8) as the levels that clearances
(0 thường, 1 Mật, 2 Tối mật, 3 Tuyệt mật) are compared with. One table for every service."""

SECRECY_LEVELS: dict[str | None, int] = {None: 0, "mat": 1, "toi_mat": 2, "tuyet_mat": 3}
SECRECY_NAMES = {0: "thường", 1: "Mật", 2: "Tối mật", 3: "Tuyệt mật"}
