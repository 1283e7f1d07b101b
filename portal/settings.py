"""Settings for the Broadcast Operations Portal.

Everything that differs between a laptop, CI and production is read from the
environment (or a `.env` file) through django-environ; `.env.example` lists it all.
With nothing set the portal runs in demo mode: SQLite, Celery tasks run in-process,
mail printed to the console, local-memory cache, DEBUG on.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEV_SECRET_KEY = "insecure-development-key-never-use-in-production"

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
PORTAL_ENVIRONMENT = env.str("PORTAL_ENVIRONMENT", default="development" if DEBUG else "production")

if not DEBUG:
    # Fail fast: production must never run on the development key or accept any host.
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured("SECRET_KEY must be set to a random value of 32+ characters when DEBUG is off.")
    if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must list the portal's host names when DEBUG is off.")
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    # unfold and its integrations must come before django.contrib.admin
    "unfold",
    "unfold.contrib.filters",
    "unfold.contrib.forms",
    "unfold.contrib.inlines",
    "unfold.contrib.import_export",
    "unfold.contrib.guardian",
    "unfold.contrib.simple_history",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "guardian",
    "simple_history",
    "import_export",
    "django_celery_beat",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "apps.core",
    "apps.audit",
    "apps.accounts",
    "apps.facilities",
    "apps.tickets",
    "apps.scheduling",
    "apps.timesheets",
    "apps.notifications",
    "apps.dataio",
    # the top floor: nothing imports these
    "apps.console",
    "apps.api",
    "apps.demo",
]

# The location scope (apps.core.scope): the model people cover, and guardian's direct permission tables on it
PORTAL_SCOPE_MODELS = {
    "location": "facilities.Location",
    "user_permission": "facilities.LocationUserObjectPermission",
    "group_permission": "facilities.LocationGroupObjectPermission",
}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # pages and API answers gzip-compressed for clients that accept it (a 50-row list: some 200 KB of HTML, 25 KB
    # sent); Django pads each compressed body with random bytes against BREACH. The API's ETags turn weak ("W/")
    # when compressed, which its If-Match and If-None-Match accept (apps/api/conditional.py).
    "django.middleware.gzip.GZipMiddleware",
    # before CommonMiddleware: answers the frontend's preflight requests for /api/ (CORS_* below)
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # after authentication: every write of the request names request.user and shares one request id
    "apps.audit.middleware.ChangeContextMiddleware",
    # after authentication: a console request reads its user's scope once, and scoped queries name rows by id
    "apps.console.scope.ScopeOncePerRequestMiddleware",
    # after authentication: console pages read in the signed-in person's zone (their home location's)
    "apps.console.localtime.ViewerTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's own psycopg 3 connection pool; CONN_MAX_AGE must stay 0 with it.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Parameters bound by the server, and a statement run 5 times on a connection prepared there: PostgreSQL
    # then plans a scoped list once per connection, not on every request (14 ms of 17 for a supervisor's page
    # of incidents). Behind a pooler that cannot keep prepared statements (PgBouncer before 1.21 in
    # transaction mode), set DATABASE_PREPARE_THRESHOLD=off.
    DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = env.bool(
        "DATABASE_SERVER_SIDE_BINDING", default=True
    )
    _prepare = env.str("DATABASE_PREPARE_THRESHOLD", default="5").strip().lower()
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = None if _prepare in ("off", "none", "") else int(_prepare)
    if env.bool("DATABASE_POOL", default=True):
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=1),
            "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=10),
            "timeout": env.int("DATABASE_POOL_TIMEOUT", default=10),
        }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery -----------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# sessions are read from the cache (Redis, or the process's memory without it) and written through to the database,
# which keeps them across restarts: no session query on a request whose session is cached
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
# Without a broker (demo mode) tasks run in-process, synchronously.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
# An import job of 100,000 rows runs longer than an ordinary task: its own hard limit (seconds).
IMPORT_JOB_TIME_LIMIT = env.int("IMPORT_JOB_TIME_LIMIT", default=1800)
# A task not acknowledged within this is handed to another worker: longer than any task may run.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": max(CELERY_TASK_TIME_LIMIT, IMPORT_JOB_TIME_LIMIT) * 2}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Synced into the console's periodic tasks by the database scheduler when beat starts.
CELERY_BEAT_SCHEDULE = {
    "prune-history": {"task": "apps.audit.tasks.prune_history", "schedule": crontab(hour=3, minute=17)},
    "sla-breach-scan": {"task": "apps.tickets.tasks.scan_sla_breaches", "schedule": 60.0},
}

# --- E-mail -------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# Seconds an SMTP connection may block before the send fails (and is retried): no send hangs a worker forever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Broadcast Operations Portal <portal@localhost>")
# Where the console is reached from outside: links in e-mails sent by tasks (which have no request to ask).
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://localhost:8000").rstrip("/")

# --- Rostering -----------------------------------------------------------------
# Hours of rest a person has at least between two shifts, and the longest shift (elapsed time, so DST counts).
SHIFT_MIN_REST_HOURS = env.float("SHIFT_MIN_REST_HOURS", default=8)
SHIFT_MAX_HOURS = env.float("SHIFT_MAX_HOURS", default=12)
# Hours of shifts in a Monday–Sunday week (the location's time zone) over which the console warns (never blocks).
SHIFT_WEEKLY_HOURS_WARNING = env.float("SHIFT_WEEKLY_HOURS_WARNING", default=48)

# --- Auth -----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "apps.core.auth.PortalModelBackend",  # Django's ModelBackend, a person's permissions read in one query
    "guardian.backends.ObjectPermissionBackend",
]
# No anonymous user row: nothing in the portal is granted to anonymous visitors.
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# Where a login lands when it names no `next`: the console's home. unfold's login form carries no `next` field,
# so a bookmarked /admin/login/ would otherwise land on Django's default, /accounts/profile/ (a 404 here).
LOGIN_REDIRECT_URL = "admin:index"
# The home keeps its incident trends (30 days per day, SLA met per location; labelled with when they were read) and
# its coverage overview (read again whenever a shift, requirement or facility changes) this many seconds per person
# and scope; 0 reads both on every visit. The counts are always read fresh.
HOME_CACHE_SECONDS = env.int("HOME_CACHE_SECONDS", default=300)

# --- i18n, static, media ------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- History, import/export ----------------------------------------------------------
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = False
# Days of history to keep (apps.audit.tasks.prune_history, daily); unset keeps everything. Pruning
# never removes a live object's creation record or its latest change.
HISTORY_RETENTION_DAYS = env.int("HISTORY_RETENTION_DAYS", default=None)
if HISTORY_RETENTION_DAYS is not None and HISTORY_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("HISTORY_RETENTION_DAYS must be 1 or more (unset it to keep all history).")
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# Imports of more rows than this run in the background as an ImportJob, with live progress.
IMPORT_BACKGROUND_ROWS = env.int("IMPORT_BACKGROUND_ROWS", default=2000)
# Largest spreadsheet an import accepts (apps.dataio.formats); bigger uploads are refused before parsing.
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)

# --- JSON API for the staff's frontend (apps.api; the contract is API.md) -------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["apps.api.authentication.PortalSessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "apps.api.schema.PortalAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "apps.api.pagination.PortalPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "apps.api.exceptions.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        # sign-in attempts: per client address and per username (whoever guesses, from wherever)
        "login": env.str("API_LOGIN_THROTTLE_RATE", default="10/minute"),
        "login_username": env.str("API_LOGIN_THROTTLE_RATE", default="10/minute"),
        # e-mails sent through /api/send-email/, per person
        "send_email": env.str("API_SEND_EMAIL_THROTTLE_RATE", default="30/hour"),
    },
    # proxies in front of the portal: a throttle counts the X-Forwarded-For address this many hops back;
    # 0 counts REMOTE_ADDR alone (a client cannot then dodge the sign-in throttle by sending the header)
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Broadcast Operations Portal API",
    "DESCRIPTION": "The staff frontend's API: session sign-in with CSRF, scoped reads, writes through the "
    "portal's services. See the README's API section.",
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": "/api/",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "FacilityKindEnum": "apps.facilities.choices.FacilityKind",
        "FacilityStatusEnum": "apps.facilities.choices.FacilityStatus",
        "SeverityEnum": "apps.tickets.choices.Severity",
        "IncidentStatusEnum": "apps.tickets.choices.IncidentStatus",
        "ServiceStatusEnum": "apps.tickets.choices.ServiceStatus",
        "EventKindEnum": "apps.scheduling.choices.EventKind",
        "EventStatusEnum": "apps.scheduling.choices.EventStatus",
        "ShiftStatusEnum": "apps.scheduling.choices.ShiftStatus",
        "TimeOffKindEnum": "apps.scheduling.choices.TimeOffKind",
        "TimeOffStatusEnum": "apps.scheduling.choices.TimeOffStatus",
        "TimeEntryStatusEnum": "apps.timesheets.choices.TimeEntryStatus",
    },
    # the docs pages load Swagger UI and ReDoc from the portal's own static files, nothing from elsewhere
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "persistAuthorization": False, "validatorUrl": None},
}
# The frontend's origins (scheme://host[:port]), allowed to call /api/ with the session cookie.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_ALLOW_CREDENTIALS = True
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_HEADERS = (
    "accept",
    "content-type",
    "x-csrftoken",
    "x-requested-with",
    "x-request-id",
    "if-match",
    "if-none-match",
    "idempotency-key",
)
CORS_EXPOSE_HEADERS = ["ETag", "X-Request-ID", "Retry-After"]

# --- Logging ------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# --- Admin console (django-unfold) ---------------------------------------------------------
UNFOLD = {
    "SITE_TITLE": _("Broadcast Ops"),
    "SITE_HEADER": _("Broadcast Operations"),
    "SITE_SUBHEADER": _("Supervisors' console"),
    "SITE_SYMBOL": "cell_tower",
    "SITE_URL": "/admin/",
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": False,
    "SHOW_BACK_BUTTON": True,
    # the console's own rules (apps/console/static/console/console.css): breadcrumbs, compact lists, phone widths
    "STYLES": ["apps.console.navigation.console_stylesheet"],
    "ENVIRONMENT": "apps.console.navigation.environment_callback",
    "ENVIRONMENT_TITLE_PREFIX": "apps.console.navigation.environment_title_prefix_callback",
    "COLORS": {
        "primary": {
            "50": "oklch(97.7% .013 236.62)",
            "100": "oklch(95.1% .026 236.824)",
            "200": "oklch(90.1% .058 230.902)",
            "300": "oklch(82.8% .111 230.318)",
            "400": "oklch(74.6% .16 232.661)",
            "500": "oklch(68.5% .169 237.323)",
            "600": "oklch(58.8% .158 241.966)",
            "700": "oklch(50% .134 242.749)",
            "800": "oklch(44.3% .11 240.79)",
            "900": "oklch(39.1% .09 240.876)",
            "950": "oklch(29.3% .066 243.157)",
        },
    },
    # the console's home: what needs the signed-in person now (apps/console/home/)
    "DASHBOARD_CALLBACK": "apps.console.home.dashboard.dashboard_callback",
    "SIDEBAR": {
        "show_search": True,
        # the search box opens the command palette, which searches tickets, people, facilities, shifts and
        # events in the person's scope (apps/console/search.py answers /admin/search/)
        "command_search": True,
        "show_all_applications": False,
        "navigation": "apps.console.navigation.sidebar_navigation",
    },
    "COMMAND": {"search_models": False, "show_history": False},
}
