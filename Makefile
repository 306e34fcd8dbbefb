# Two commands on a fresh machine: `make run` and `make test`. Everything else is optional.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
SCALE ?= city
DEMO_PASSWORD ?= anshan-demo
# wsgi.py, asgi.py and celery.py default to the production profile (fail closed): the development
# servers name theirs. manage.py alone defaults to it (a developer's tool, never a server in production).
DEV_SETTINGS ?= anshan_projects.settings.local
export PORT DEMO_PASSWORD

.PHONY: run test setup lint format bench backup restore stop clean migrate

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --upgrade pip==25.3
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

var/.system-deps: scripts/system-deps.sh
	bash scripts/system-deps.sh
	mkdir -p var && touch $@

locale/.compiled: $(VENV)/.installed var/.system-deps $(wildcard locale/*/LC_MESSAGES/django.po)
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0
	mkdir -p locale && touch $@

setup: $(VENV)/.installed node_modules/.installed var/.system-deps locale/.compiled

migrate: setup
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py load_reference

run: export DEMO_ACCOUNTS = true
run: migrate
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py setup_periodic_tasks
	@echo ""
	@echo "  鞍山市重点项目调度平台  http://localhost:$(PORT)/   (admin: http://localhost:$(PORT)/admin/)"
	@echo "  demo logins (password: $(DEMO_PASSWORD)):"
	@echo "    admin  leader  tiedong  haicheng  tiedong_reviewer  fgw  manager  steward  city_leader"
	@echo "  Ctrl-C stops the web server, the Celery worker and beat."
	@echo ""
	DJANGO_SETTINGS_MODULE=$(DEV_SETTINGS) $(VENV)/bin/honcho start -f Procfile

test: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	DJANGO_SETTINGS_MODULE=anshan_projects.settings.test $(PY) manage.py makemigrations --check --dry-run -v 0
	$(VENV)/bin/pytest -p no:cacheprovider -n 2 --dist loadfile --create-db

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: migrate
	$(PY) -m bench --scale $(SCALE)

backup: setup
	$(PY) manage.py backup

restore: setup
	@test -n "$(FILE)" || (echo "usage: make restore FILE=var/backups/<file>.dump" && exit 2)
	$(PY) manage.py restore "$(FILE)"

stop: setup
	$(PY) -c "from common import embedded; embedded.redis_stop(); embedded.postgres_stop()"

clean: stop
	rm -rf var
