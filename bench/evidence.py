"""Photo evidence on PostgreSQL, gunicorn and MinIO, as phones would upload it over loopback.

1. Upload throughput of ~300 KB phone photos through the API (S3 backend on a throwaway MinIO)
   against boto3 putting the same photos straight into the same MinIO, with the same number of
   client threads: photos/s, MB/s and the ratio API/direct (the goal is at least 0.7), with the
   CPU each process spent per photo. The direct side is the median of a few rounds (it is short).
2. The per-photo cost of checking a photo and making its thumbnail (process_photo, in this
   process) against just hashing it.
3. Peak resident memory of a fresh worker (gunicorn with 1 worker) handling one ~20 MB photo,
   from /proc/<worker>/status, against the same worker idle.

Everything runs on this machine: a throwaway PostgreSQL and MinIO (the test harness's), gunicorn
on free loopback ports, and client threads in this process, which share the 2 cores with the
servers. Photos are made with Pillow before any clock starts. Loops are bounded in count and time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import http.client
import io
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter
from PIL.ExifTags import GPS, Base

from bench.sync import percentile, prepare
from bench.sync import settings as bench_settings
from server import create_app
from server.db.models import Facility
from server.extensions import db
from server.settings import PROJECT_ROOT, S3Settings
from server.storage.images import process_photo
from server.storage.s3 import S3Store, make_client
from tests.harness.services import MinioServer, PostgresServer, free_port, wait_until

PHOTOS = int(os.environ.get("DABIAO_BENCH_PHOTOS", "200"))
THREADS = int(os.environ.get("DABIAO_BENCH_UPLOAD_THREADS", "4"))
WORKERS = int(os.environ.get("DABIAO_BENCH_WORKERS", "2"))
PHOTO_BYTES = 300 * 1024  # a phone photo after the PWA shrinks it
PHOTO_SIZE = (1600, 1200)
BIG_BYTES = 20 * 1024 * 1024
BIG_SIZE = (6000, 4500)  # 27 megapixels, under the 40 MP limit
GOAL = 0.7  # API throughput as a share of writing straight to the store
DIRECT_ROUNDS = 3
WARMUP = 2  # uploads per client thread before the clock starts, on both sides
UPLOAD_SECONDS = 300  # each timed phase stops after this, whatever is left
PROCESS_SECONDS = 90
FACILITY_PLACE = (34.4805, 114.4671)  # 通许县
VISIT_DAY = dt.date(2026, 11, 20)  # bench.sync.prepare's inspection date
MIB = 1024 * 1024


# --- photos ---------------------------------------------------------------------------------------


def _dms(value: float) -> tuple[Fraction, Fraction, Fraction]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = Fraction(round((value - degrees - minutes / 60) * 3600 * 100), 100)
    return Fraction(degrees), Fraction(minutes), seconds


@dataclasses.dataclass(frozen=True)
class Photo:
    data: bytes
    sha256: str
    taken: dt.datetime
    place: tuple[float, float]


class Camera:
    """Phone-like JPEGs: a gradient scene with objects, sensor noise, EXIF time and GPS."""

    def __init__(self, size: tuple[int, int]) -> None:
        self.size = size
        w, h = size[0] // 2, size[1] // 2  # the scene is drawn at half size, softened and scaled up
        self.scene = Image.merge(
            "RGB",
            (
                Image.linear_gradient("L").resize((w, h)),
                Image.radial_gradient("L").resize((w, h)),
                Image.linear_gradient("L").rotate(90).resize((w, h)),
            ),
        )

    def pixels(self, seed: int, noise: float) -> Image.Image:
        rng = random.Random(seed)
        w, h = self.scene.size
        image = self.scene.copy()
        draw = ImageDraw.Draw(image)
        for _ in range(25):
            x, y = rng.randrange(w), rng.randrange(h)
            box = (x, y, x + rng.randrange(w // 40, w // 4), y + rng.randrange(h // 40, h // 4))
            draw.rectangle(box, fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
        image = image.filter(ImageFilter.BoxBlur(1)).resize(self.size, Image.Resampling.BILINEAR)
        grain = Image.frombytes("L", self.size, rng.randbytes(self.size[0] * self.size[1])).convert("RGB")
        return Image.blend(image, grain, noise)

    def shoot(self, seed: int, noise: float, quality: int) -> Photo:
        rng = random.Random(seed)
        taken = dt.datetime.combine(VISIT_DAY, dt.time(9)) + dt.timedelta(seconds=rng.randrange(6 * 3600))
        place = (
            FACILITY_PLACE[0] + rng.uniform(-0.001, 0.001),  # within about 100 m
            FACILITY_PLACE[1] + rng.uniform(-0.001, 0.001),
        )
        exif = Image.Exif()
        exif[Base.Make] = "Bench"
        exif[Base.Model] = "Phone"
        exif.get_ifd(Base.ExifOffset)[Base.DateTimeOriginal] = taken.strftime("%Y:%m:%d %H:%M:%S")
        gps = exif.get_ifd(Base.GPSInfo)
        gps[GPS.GPSLatitudeRef] = "N"
        gps[GPS.GPSLatitude] = _dms(place[0])
        gps[GPS.GPSLongitudeRef] = "E"
        gps[GPS.GPSLongitude] = _dms(place[1])
        out = io.BytesIO()
        self.pixels(seed, noise).save(out, "JPEG", quality=quality, exif=exif)
        data = out.getvalue()
        return Photo(data, hashlib.sha256(data).hexdigest(), taken, place)

    def tune(self, target: int, quality: int, steps: int = 10) -> float:
        """The noise blend that brings a photo closest to `target` bytes (bisection on one seed)."""
        low, high = 0.0, 0.6
        best, best_miss = high, float("inf")
        for _ in range(steps):
            noise = (low + high) / 2
            size = len(self.shoot(0, noise, quality).data)
            if abs(size - target) < best_miss:
                best, best_miss = noise, abs(size - target)
            if abs(size - target) < target * 0.01:
                break
            low, high = (noise, high) if size < target else (low, noise)
        return best


def phone_photos(count: int) -> list[Photo]:
    camera = Camera(PHOTO_SIZE)
    noise = camera.tune(PHOTO_BYTES, quality=85)
    return [camera.shoot(seed, noise, 85) for seed in range(1, count + 1)]


def big_photo() -> Photo:
    """One ~20 MB JPEG: the noise tuned on a scene of 1/16 the area, then corrected on the real size."""
    w, h = BIG_SIZE
    noise = Camera((w // 4, h // 4)).tune(BIG_BYTES // 16, quality=95)
    camera = Camera(BIG_SIZE)
    photo = camera.shoot(1, noise, 95)
    for _ in range(3):  # a few corrections on the real size
        if abs(len(photo.data) - BIG_BYTES) < 0.03 * BIG_BYTES:
            break
        noise = min(noise * BIG_BYTES / len(photo.data), 1.0)
        photo = camera.shoot(1, noise, 95)
    return photo


# --- clients --------------------------------------------------------------------------------------


def multipart(photo: Photo, upload_id: str) -> tuple[bytes, str]:
    boundary = secrets.token_hex(16)
    fields = {
        "upload_id": upload_id,
        "sha256": photo.sha256,
        "captured_at": photo.taken.strftime("%Y-%m-%dT%H:%M:%S+08:00"),
        "latitude": f"{photo.place[0]:.6f}",
        "longitude": f"{photo.place[1]:.6f}",
    }
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="IMG_{upload_id[:8]}.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
    )
    parts += [photo.data, f"\r\n--{boundary}--\r\n".encode()]
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Phone:
    def __init__(self, port: int, token: str, timeout: float = 60) -> None:
        self.port, self.token, self.timeout = port, token, timeout
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    @classmethod
    def login(cls, port: int, username: str, password: str) -> Phone:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        body = json.dumps({"username": username, "password": password})
        conn.request("POST", "/api/auth/login", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        data = response.read()
        conn.close()
        if response.status != 200:
            raise RuntimeError(f"login of {username}: HTTP {response.status}: {data[:200]!r}")
        return cls(port, json.loads(data)["token"])

    def request(
        self, method: str, path: str, body: bytes | None = None, content_type: str = ""
    ) -> tuple[int, bytes]:
        headers = {"Authorization": f"Bearer {self.token}"}
        if content_type:
            headers["Content-Type"] = content_type
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            raise

    def upload(self, inspection_id: int, item_id: str, body: tuple[bytes, str]) -> tuple[int, bytes]:
        return self.request("POST", f"/api/inspections/{inspection_id}/items/{item_id}/evidence", *body)


def timed_threads(work: list[list[Callable[[], str | None]]], seconds: float) -> tuple[float, int, list[str]]:
    """Run each thread's calls in order until done or out of time: (elapsed, done, failures)."""
    done = 0
    failures: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def thread(calls: list[Callable[[], str | None]]) -> None:
        nonlocal done
        for call in calls:
            if time.monotonic() > stop_at:
                with lock:
                    failures.append("out of time")
                return
            try:
                problem = call()
            except Exception as exc:  # every failure is counted and shown
                problem = f"{type(exc).__name__}: {exc}"
            with lock:
                if problem:
                    failures.append(problem)
                else:
                    done += 1

    threads = [threading.Thread(target=thread, args=(calls,), daemon=True) for calls in work]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 120)
    return time.perf_counter() - started, done, failures


# --- servers and /proc ------------------------------------------------------------------------------


def start_gunicorn(port: int, workers: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
    )

    def up() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            return conn.getresponse().status == 200
        except OSError:
            return False

    wait_until(up, 60, "gunicorn")
    return process


def stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU of processes, with that of their children they reaped (PostgreSQL's)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it exited
        total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return total / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU used by each group of processes (re-listed at each reading) and by this process."""

    def __init__(self, groups: dict[str, Callable[[], list[int]]]) -> None:
        self.groups = groups

    def read(self) -> dict[str, float]:
        values = {name: cpu_seconds(pids()) for name, pids in self.groups.items()}
        values["clients"] = time.process_time()
        return values

    @staticmethod
    def per_item(
        before: dict[str, float], after: dict[str, float], count: int, skip: tuple[str, ...] = ()
    ) -> str:
        used = {name: (after[name] - before[name]) * 1000 / max(count, 1) for name in before}
        parts = [f"{name} {value:.1f}" for name, value in used.items() if name not in skip]
        return f"{', '.join(parts)}; total {sum(used.values()):.1f} ms"


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak resident) of a process, in KiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


# --- the benchmark ----------------------------------------------------------------------------------


def ms(seconds: float) -> float:
    return seconds * 1000


def run() -> list[str]:
    lines: list[str] = []
    started_all = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="dabiao-bench-") as tmp_name:
        tmp = Path(tmp_name)
        postgres = PostgresServer(tmp / "pg")
        minio = MinioServer(tmp / "minio")
        api: subprocess.Popen[bytes] | None = None
        single: subprocess.Popen[bytes] | None = None
        try:
            pg_env = postgres.start()
            if not pg_env:
                return ["PostgreSQL is not installed: run make bench (it installs it)"]
            s3_env = minio.start()
            if not s3_env:
                return ["MinIO is not built: run make bench (it builds it and sets DABIAO_MINIO_BIN)"]
            url = pg_env["DABIAO_TEST_PG_URL"]
            secret = secrets.token_urlsafe(32)
            password = secrets.token_urlsafe(12)
            s3 = S3Settings(
                endpoint_url=s3_env["DABIAO_TEST_S3_ENDPOINT"],
                bucket="bench-evidence",
                access_key=s3_env["DABIAO_TEST_S3_ACCESS_KEY"],
                secret_key=s3_env["DABIAO_TEST_S3_SECRET_KEY"],
                region="us-east-1",
                connect_timeout=3,
                read_timeout=30,
            )
            direct_s3 = dataclasses.replace(s3, bucket="bench-direct")
            for bucket in (s3, direct_s3):  # both as `storage init` makes them: versioned, object lock
                S3Store(bucket).ensure_bucket(object_lock=True)

            # one inspector, facility (given its place) and draft inspection assigned to them per thread
            stock = prepare(url, tmp, secret, THREADS, 1, password)
            app = create_app(bench_settings(tmp, url, secret))
            with app.app_context():
                for facility in db.session.query(Facility):
                    facility.latitude, facility.longitude = FACILITY_PLACE
                db.session.commit()
                db.engine.dispose()

            generated = time.perf_counter()
            photos = phone_photos(PHOTOS + WARMUP * THREADS)
            big = big_photo()
            generated = time.perf_counter() - generated
            warm, photos = photos[:-PHOTOS], photos[-PHOTOS:]
            sizes = [len(p.data) for p in photos]
            total_mb = sum(sizes) / 1e6
            lines.append(
                f"PostgreSQL, MinIO, gunicorn {WORKERS} workers, {os.cpu_count()} cores shared with clients; "
                f"{PHOTOS} photos {PHOTO_SIZE[0]}x{PHOTO_SIZE[1]}, {statistics.mean(sizes) / 1024:.0f} KB on "
                f"average ({min(sizes) / 1024:.0f}-{max(sizes) / 1024:.0f} KB), made in {generated:.0f} s"
            )

            # 1. upload throughput: API versus boto3 straight into MinIO
            server_env = {
                "DABIAO_SECRET_KEY": secret,
                "DABIAO_DATABASE_URL": url,
                "DABIAO_INSTANCE_PATH": str(tmp / "instance"),
                "DABIAO_EVIDENCE_BACKEND": "s3",
                "DABIAO_S3_ENDPOINT": s3.endpoint_url,
                "DABIAO_S3_BUCKET": s3.bucket,
                "DABIAO_S3_ACCESS_KEY": s3.access_key,
                "DABIAO_S3_SECRET_KEY": s3.secret_key,
            }
            port = free_port()
            api = start_gunicorn(port, WORKERS, server_env)
            phones = [Phone.login(port, f"bench-{d}", password) for d in range(THREADS)]
            clients = [make_client(direct_s3) for _ in range(THREADS)]

            def api_call(d: int, index: int, photo: Photo) -> Callable[[], str | None]:
                upload_id = f"bench-{d}-{index}-{secrets.token_hex(6)}"
                body = multipart(photo, upload_id)
                item = f"X-{index % 300:03d}"

                def call() -> str | None:
                    status, data = phones[d].upload(stock[d][0], item, body)
                    return None if status == 201 else f"HTTP {status}: {data[:200]!r}"

                return call

            def direct_call(d: int, key: str, photo: Photo) -> Callable[[], str | None]:
                def call() -> str | None:
                    clients[d].put_object(
                        Bucket=direct_s3.bucket, Key=key, Body=photo.data, ContentType="image/jpeg"
                    )
                    return None

                return call

            def share(items: list[Photo], d: int) -> list[tuple[int, Photo]]:
                return [(i, p) for i, p in enumerate(items) if i % THREADS == d]

            # warm up both sides (connections, first requests) with photos that are not timed
            warm_work = (
                [[api_call(d, i, p) for i, p in share(warm, d)] for d in range(THREADS)],
                [[direct_call(d, f"warmup/{i}.jpg", p) for i, p in share(warm, d)] for d in range(THREADS)],
            )
            for side, work in zip(("API", "direct"), warm_work, strict=True):
                _, _, problems = timed_threads(work, UPLOAD_SECONDS)
                for problem in problems[:3]:
                    lines.append(f"  warm-up failure ({side}): {problem[:200]}")
            api_work = [[api_call(d, 1000 + i, p) for i, p in share(photos, d)] for d in range(THREADS)]
            postmaster = int((postgres.datadir / "postmaster.pid").read_text().split()[0])
            assert api is not None and minio.process is not None
            gunicorn_pid, minio_pid = api.pid, minio.process.pid
            meter = CpuMeter(
                {
                    "gunicorn": lambda: [gunicorn_pid, *children(gunicorn_pid)],
                    "MinIO": lambda: [minio_pid],
                    "PostgreSQL": lambda: [postmaster, *children(postmaster)],
                }
            )
            # the direct side takes about a second: the median of a few rounds, each to new keys
            direct_rounds: list[tuple[float, int]] = []
            direct_failures: list[str] = []
            cpu0 = meter.read()
            for r in range(DIRECT_ROUNDS):
                direct_work = [
                    [direct_call(d, f"direct/{r}/{i:05d}.jpg", p) for i, p in share(photos, d)]
                    for d in range(THREADS)
                ]
                seconds, done, problems = timed_threads(direct_work, UPLOAD_SECONDS)
                direct_rounds.append((seconds, done))
                direct_failures += problems
            cpu1 = meter.read()
            api_s, api_done, api_failures = timed_threads(api_work, UPLOAD_SECONDS)
            cpu2 = meter.read()
            direct_rates = sorted(done / seconds for seconds, done in direct_rounds)
            direct_rate = statistics.median(direct_rates)
            direct_done = sum(done for _, done in direct_rounds)
            direct_s = sum(seconds for seconds, _ in direct_rounds)
            api_rate = api_done / api_s
            per_photo_mb = total_mb / PHOTOS
            lines.append(
                f"direct boto3 put_object into MinIO, {THREADS} threads: {direct_rate:.1f} photos/s, "
                f"{direct_rate * per_photo_mb:.1f} MB/s (median of {DIRECT_ROUNDS} rounds of {PHOTOS} "
                f"photos, {direct_rates[0]:.0f}-{direct_rates[-1]:.0f} photos/s), "
                f"{len(direct_failures)} failures"
            )
            lines.append(
                f"API upload (check, thumbnail, 2 puts, row), {THREADS} threads: {api_rate:.1f} photos/s, "
                f"{api_rate * per_photo_mb:.1f} MB/s ({api_done} photos in {api_s:.1f} s), "
                f"{len(api_failures)} failures (non-201 or errors)"
            )
            lines.append(
                f"ratio API/direct: {api_rate / direct_rate:.2f} (goal at least {GOAL}); "
                f"{ms(api_s) * THREADS / max(api_done, 1):.0f} ms per photo per client thread through the "
                f"API vs {ms(direct_s) * THREADS / max(direct_done, 1):.0f} ms direct"
            )
            cores = os.cpu_count() or 1
            lines.append(
                f"  CPU ms per photo, API: {CpuMeter.per_item(cpu1, cpu2, api_done)} "
                f"(used {sum(cpu2.values()) - sum(cpu1.values()):.1f} CPU s of the {cores * api_s:.1f} "
                f"the {cores} cores had)"
            )
            lines.append(
                f"  CPU ms per photo, direct: {CpuMeter.per_item(cpu0, cpu1, direct_done, ('gunicorn',))} "
                f"(used {sum(cpu1.values()) - sum(cpu0.values()):.1f} CPU s of the {cores * direct_s:.1f})"
            )
            for problem in (direct_failures + api_failures)[:5]:
                lines.append(f"  failure: {problem[:200]}")

            # 2. per-photo cost of the checks plus thumbnail, against hashing alone
            limits = bench_settings(tmp, url, secret)  # the server's defaults: pixel limit, thumbnail edge
            hashing: list[float] = []
            decoding: list[float] = []
            processing: list[float] = []
            thumbs: list[int] = []
            deadline = time.monotonic() + PROCESS_SECONDS
            for photo in photos:
                if time.monotonic() > deadline:
                    break
                t0 = time.perf_counter()
                hashlib.sha256(photo.data).hexdigest()
                t1 = time.perf_counter()
                _, thumb = process_photo(photo.data, limits.max_photo_pixels, limits.thumbnail_edge)
                t2 = time.perf_counter()
                with Image.open(io.BytesIO(photo.data)) as image:
                    image.load()
                t3 = time.perf_counter()
                hashing.append(ms(t1 - t0))
                processing.append(ms(t2 - t1))
                decoding.append(ms(t3 - t2))
                thumbs.append(len(thumb))
            lines.append(
                f"process_photo (full decode, EXIF, {limits.thumbnail_edge} px thumbnail) of a "
                f"{PHOTO_BYTES // 1024} KB photo: p50 {statistics.median(processing):.1f} ms, "
                f"p95 {percentile(processing, 95):.1f} ms ({len(processing)} photos, in-process; "
                f"thumbnails {statistics.mean(thumbs) / 1024:.0f} KB)"
            )
            lines.append(
                f"  against sha256 of the same bytes: p50 {statistics.median(hashing):.2f} ms, "
                f"p95 {percentile(hashing, 95):.2f} ms "
                f"({statistics.median(processing) / statistics.median(hashing):.0f}x); "
                f"the full decode alone (the check without the thumbnail): "
                f"p50 {statistics.median(decoding):.1f} ms, p95 {percentile(decoding, 95):.1f} ms"
            )

            # 3. peak memory of a fresh single worker handling one ~20 MB photo
            single_port = free_port()
            single = start_gunicorn(
                single_port,
                1,
                {
                    **server_env,
                    "DABIAO_MAX_PHOTO_BYTES": str(25 * MIB),
                    "DABIAO_MAX_CONTENT_LENGTH": str(26 * MIB),
                },
            )
            workers: list[int] = []
            deadline = time.monotonic() + 10
            while not workers and time.monotonic() < deadline:
                workers = children(single.pid)
                time.sleep(0.05)
            if len(workers) != 1:
                raise RuntimeError(f"expected one gunicorn worker, found {workers}")
            worker = workers[0]
            # the token comes from the other server: a login here would run scrypt (32 MiB) in this worker
            phone = Phone(single_port, phones[0].token, timeout=120)
            idle = memory_kib(worker)  # after gunicorn's /healthz probe only
            status, data = phone.request("GET", f"/api/inspections/{stock[0][0]}/evidence")
            if status != 200:
                raise RuntimeError(f"listing evidence: HTTP {status}: {data[:200]!r}")
            warmed = memory_kib(worker)  # after one authenticated request: sessions, queries, JSON
            body = multipart(big, f"bench-big-{secrets.token_hex(6)}")
            t0 = time.perf_counter()
            status, data = phone.upload(stock[0][0], "X-299", body)
            took = time.perf_counter() - t0
            after = memory_kib(worker)
            if children(single.pid) != [worker]:
                lines.append("the worker was replaced during the upload: the figures below are not of it")
            lines.append(
                f"20 MB upload ({len(big.data) / MIB:.1f} MiB, {BIG_SIZE[0]}x{BIG_SIZE[1]} JPEG) on a fresh "
                f"1-worker gunicorn: HTTP {status} in {took:.1f} s"
                + ("" if status == 201 else f": {data[:200]!r}")
            )
            lines.append(
                f"  worker peak resident (VmHWM) {after['VmHWM'] / 1024:.0f} MiB, "
                f"{(after['VmHWM'] - idle['VmRSS']) / 1024:.0f} MiB over the idle worker's "
                f"{idle['VmRSS'] / 1024:.0f} MiB resident "
                f"(idle peak was {idle['VmHWM'] / 1024:.0f} MiB; resident after the upload "
                f"{after['VmRSS'] / 1024:.0f} MiB)"
            )
            lines.append(
                f"  after one authenticated request before the upload: "
                f"resident {warmed['VmRSS'] / 1024:.0f} MiB, "
                f"peak {warmed['VmHWM'] / 1024:.0f} MiB; the upload raised the peak by "
                f"{(after['VmHWM'] - warmed['VmHWM']) / 1024:.0f} MiB, "
                f"{(after['VmHWM'] - warmed['VmRSS']) / 1024:.0f} MiB over that resident size"
            )
        finally:
            stop(single)
            stop(api)
            minio.stop()
            postgres.stop()
    lines.append(f"benchmark took {time.monotonic() - started_all:.0f} s")
    return lines
