"""Writes a deterministic tool cache in the @actions/tool-cache layout for the runtime-sync benchmark.

usage: generate.py <root> <files> <bytes>
Ten tool versions (<tool>/<version>/x64/... plus x64.complete), each with many small files in nested
package folders, a few large binaries, executables and relative symlinks. Content is sliced from one seeded
random pool, so the tree is the same on every run and quick to write.
"""
import os
import random
import sys

root, total_files, total_bytes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
arch = "arm64" if os.uname().machine in ("aarch64", "arm64") else "x64"
rng = random.Random(20261128)
pool = rng.randbytes(64 * 1024 * 1024)
versions = [
    ("node", "18.20.4"), ("node", "20.17.0"), ("node", "22.9.0"),
    ("Python", "3.10.15"), ("Python", "3.11.10"), ("Python", "3.12.6"),
    ("go", "1.22.7"), ("go", "1.23.1"),
    ("Java_Temurin-Hotspot_jdk", "21.0.4-7"), ("dotnet", "8.0.401"),
]
LARGE_PER_VERSION = 4
small_per_version = total_files // len(versions) - LARGE_PER_VERSION
small_sizes = [rng.randint(200, 8000) for _ in range(small_per_version * len(versions))]
large_size = max(0, (total_bytes - sum(small_sizes)) // (LARGE_PER_VERSION * len(versions)))


def write(path, size, mode=0o644):
    with open(path, "wb") as f:
        left = size
        while left > 0:
            n = min(left, 8 * 1024 * 1024)
            start = rng.randrange(0, len(pool) - n + 1)
            f.write(pool[start:start + n])
            left -= n
    os.chmod(path, mode)


sizes = iter(small_sizes)
for tool, version in versions:
    base = os.path.join(root, tool, version, arch)
    os.makedirs(os.path.join(base, "bin"))
    for i in range(LARGE_PER_VERSION):
        write(os.path.join(base, "bin", f"{tool.lower()}{i}"), large_size, 0o755)
        os.symlink(f"{tool.lower()}{i}", os.path.join(base, "bin", f"{tool.lower()}{i}-link"))
    for i in range(small_per_version):
        folder = os.path.join(base, "lib", f"pkg{i // 200}", f"sub{(i // 25) % 8}")
        os.makedirs(folder, exist_ok=True)
        write(os.path.join(folder, f"file{i}.py"), next(sizes), 0o755 if i % 50 == 0 else 0o644)
    with open(os.path.join(root, tool, version, f"{arch}.complete"), "w"):
        pass
