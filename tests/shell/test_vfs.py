"""The in-memory file systems behave like a container's mounts: volume data outlives the container."""

import errno

import pytest

from simk8s.node.vfs import ContainerFS, MemFS


def test_writes_under_a_mount_land_in_the_volume_and_survive_a_new_container():
    volume = MemFS()
    image = {"/usr/share/nginx/html/index.html": "default page\n", "/tmp/.keep": ""}
    first = ContainerFS(image, {"/usr/share/nginx/html": volume})
    # The empty volume hides the image's default page, as a bind mount does.
    assert first.listdir("/usr/share/nginx/html") == []
    first.write("/usr/share/nginx/html/index.html", "web-0-pv-test\n")
    first.write("/tmp/scratch", "gone with the container\n")
    second = ContainerFS(image, {"/usr/share/nginx/html": volume})
    assert second.read("/usr/share/nginx/html/index.html") == "web-0-pv-test\n"
    assert not second.exists("/tmp/scratch")


def test_errors_carry_errno_and_the_container_side_path():
    fs = ContainerFS({"/etc/hostname": "web-0\n"}, {"/data": MemFS()})
    with pytest.raises(FileNotFoundError) as e:
        fs.read("/data/missing")
    assert (e.value.errno, e.value.strerror, e.value.filename) == (
        errno.ENOENT, "No such file or directory", "/data/missing")
    with pytest.raises(IsADirectoryError):
        fs.read("/etc")
    with pytest.raises(NotADirectoryError):
        fs.write("/etc/hostname/x", "")
    with pytest.raises(FileExistsError):
        fs.mkdir("/etc")


def test_mtime_comes_from_the_injected_clock_and_rename_moves_trees():
    now = [5.0]
    fs = MemFS(clock=lambda: now[0])
    fs.mkdir("/a/b", parents=True)
    now[0] = 7.0
    fs.write("/a/b/f", "hello")
    assert fs.stat("/a/b/f").mtime == 7.0 and fs.stat("/a/b/f").size == 5
    fs.rename("/a", "/z")
    assert fs.read("/z/b/f") == "hello" and not fs.exists("/a")
    fs.remove("/z", recursive=True)
    assert fs.listdir("/") == []
