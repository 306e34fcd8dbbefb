"""The access matrix: for every role and every endpoint (and the matching page, export and
admin screen), what it may read, create, change and delete.

Add a line per endpoint; test_access_matrix.py runs each line as a test, every cell in its own
savepoint (rolled back, so one role's write never affects the next), and reports every cell
that differs.

Line: METHOD PATH [@payload] [%markers] then one cell per role, in the order of ROLES.
PATH may use {T} (a 铁东区 project under construction: industrial category, lead department 工信局) and {H} (a
海城市 project under construction: social-investment category, lead department 发改委), and {T_region}/{H_region}.
A cell is the expected status, optionally followed by what the response must show:
``200:TH`` both projects appear, ``200:T`` only 铁东区's, ``200:-`` neither.
What "appears" means is the project names, or with ``%regions`` the county names (for
aggregates). Payloads are in PAYLOADS (functions of the world, JSON bodies).

Roles: anonymous; administrator; city leadership; special-group member (social investment);
department user (工信局); county staff (铁东区); county reviewer (铁东区); report manager.
The county user asking for {H} is "a county user trying another county's project".
"""

ROLES = ["anon", "admin", "leader", "group", "dept", "county", "reviewer", "manager"]

MATRIX = """
# --- reference data -----------------------------------------------------------------------------------------
GET    /api/v1/regions/                                        401     200     200     200     200     200     200     200
GET    /api/v1/sectors/                                        401     200     200     200     200     200     200     200
GET    /api/v1/departments/                                    401     200     200     200     200     200     200     200
GET    /api/v1/categories/                                     401     200     200     200     200     200     200     200
POST   /api/v1/regions/                   @region              401     405     405     405     405     405     405     405
# --- projects: list, filter, retrieve -----------------------------------------------------------------------
GET    /api/v1/projects/                                       401  200:TH  200:TH   200:H   200:T   200:T   200:T   200:-
GET    /api/v1/projects/?region=210381                         401   200:H   200:H   200:H   200:-   200:-   200:-   200:-
GET    /api/v1/projects/?region={H_region}                     401   200:H   200:H   200:H   200:-   200:-   200:-   200:-
GET    /api/v1/projects/?search=矩阵海城                         401   200:H   200:H   200:H   200:-   200:-   200:-   200:-
GET    /api/v1/projects/{T}/                                   401   200:T   200:T     404   200:T   200:T   200:T     404
GET    /api/v1/projects/{H}/                                   401   200:H   200:H   200:H     404     404     404     404
# --- projects: create, change, delete ------------------------------------------------------------------------
POST   /api/v1/projects/                  @create_T            401     201     403     403     403     201     403     403
POST   /api/v1/projects/                  @create_H            401     201     403     403     403     400     403     403
PATCH  /api/v1/projects/{T}/              @rename              401     200     403     404     403     200     403     404
PATCH  /api/v1/projects/{H}/              @rename              401     200     403     403     404     404     404     404
PUT    /api/v1/projects/{H}/              @replace_H           401     200     403     403     404     404     404     404
DELETE /api/v1/projects/{T}/                                   401     405     405     405     405     405     405     405
DELETE /api/v1/projects/{H}/                                   401     405     405     405     405     405     405     405
# --- stage changes -------------------------------------------------------------------------------------------
GET    /api/v1/projects/{T}/stage/                             401     200     200     404     200     200     200     404
GET    /api/v1/projects/{H}/stage/                             401     200     200     200     404     404     404     404
POST   /api/v1/projects/{T}/stage/        @stage               401     201     403     404     403     201     403     404
POST   /api/v1/projects/{H}/stage/        @stage               401     201     403     403     404     404     404     404
# --- export (same filters and scope as the list) -------------------------------------------------------------
GET    /api/v1/projects/export/                                401  200:TH  200:TH   200:H   200:T   200:T   200:T   200:-
GET    /api/v1/projects/export/?region=210381                  401   200:H   200:H   200:H   200:-   200:-   200:-   200:-
GET    /api/v1/projects/export/?search=矩阵海城                  401   200:H   200:H   200:H   200:-   200:-   200:-   200:-
# --- aggregates ----------------------------------------------------------------------------------------------
GET    /api/v1/stats/summary/                        %regions  401  200:TH  200:TH   200:H   200:T   200:T   200:T   200:-
# --- open data (public by design: key projects, public fields only) ------------------------------------------
GET    /api/v1/open-data/projects/                          200:TH  200:TH  200:TH  200:TH  200:TH  200:TH  200:TH  200:TH
# --- schema and docs -----------------------------------------------------------------------------------------
GET    /api/schema/                                            401     200     200     200     200     200     200     200
GET    /api/docs/                                              302     200     200     200     200     200     200     200
# --- pages ---------------------------------------------------------------------------------------------------
GET    /                                                       302     302     302     302     302     200     200     302
GET    /dashboard/                                             302     200     200     200     200     200     200     200
GET    /projects/                                              302  200:TH  200:TH   200:H   200:T   200:T   200:T   200:-
GET    /projects/{T}/                                          302   200:T   200:T     404   200:T   200:T   200:T     404
GET    /projects/{H}/                                          302   200:H   200:H   200:H     404     404     404     404
# --- progress (investment app) -------------------------------------------------------------------------------
GET    /api/v1/projects/{T}/progress/                %progress  401  200:T   200:T     404   200:T   200:T   200:T     404
GET    /api/v1/projects/{H}/progress/                %progress  401  200:H   200:H   200:H     404     404     404     404
GET    /api/v1/projects/{T}/progress/{T_entry}/      %progress  401  200:T   200:T     404   200:T   200:T   200:T     404
POST   /api/v1/projects/{T}/progress/     @entry               401     201     403     404     403     201     403     404
POST   /api/v1/projects/{H}/progress/     @entry               401     201     403     403     404     404     404     404
POST   /api/v1/projects/{T}/progress/{T_entry}/verify/ @version 401    200     403     404     403     403     200     404
POST   /api/v1/projects/{H}/progress/{H_entry}/verify/ @version 401    200     403     403     404     404     404     404
# The template is for those who may fill in the county's progress (change scope); anyone else 404.
GET    /api/v1/progress/template/?region=tiedong&period=2026-10        401  200:T     404     404     404   200:T     404     404
GET    /api/v1/progress/template/?region=haicheng&period=2026-10       401  200:H     404     404     404     404     404     404
GET    /api/v1/progress/export/?kind=projects                 401  200:TH  200:TH   200:H   200:T   200:T   200:T   200:-
GET    /api/v1/progress/export/?period=2026-10       %progress  401  200:TH  200:TH   200:H   200:T   200:T   200:T   200:-
# --- photos, problems, procedures, funding ----------------------------------------------------------------------
GET    /api/v1/photos/                               %photos   401  200:TH  200:TH   200:H   200:T   200:T   200:T   200:-
GET    /api/v1/photos/{H_photo}/file/                %files    401   200:H   200:H   200:H     404     404     404     404
GET    /api/v1/problems/                             %problems 401  200:TH  200:TH   200:H  200:TH   200:T   200:T   200:-
GET    /api/v1/problems/{H_problem}/                 %problems 401   200:H   200:H   200:H   200:H     404     404     404
GET    /api/v1/problems/{T_problem}/                 %problems 401   200:T   200:T     404   200:T   200:T   200:T     404
GET    /api/v1/procedures/                           %procedures 401 200:TH 200:TH   200:H   200:T   200:T   200:T   200:-
GET    /api/v1/projects/{T}/procedure-plan/          %procedures 401 200:T  200:T     404   200:T   200:T   200:T     404
GET    /api/v1/projects/{H}/procedure-plan/          %procedures 401 200:H  200:H   200:H     404     404     404     404
GET    /api/v1/funding/                              %funding  401  200:TH  200:TH   200:H   200:T   200:T   200:T   200:-
# --- dispatch: groups, rounds, reports ---------------------------------------------------------------------------
GET    /api/v1/dispatch-groups/?page_size=100        %groups   401  200:TH  200:TH   200:-   200:-   200:T   200:T   200:T
GET    /api/v1/dispatch-rounds/                      %groups   401  200:TH  200:TH   200:-   200:-   200:T   200:T   200:T
GET    /api/v1/reports/                              %groups   401  200:TH  200:TH   200:-   200:-   200:T   200:T   200:T
GET    /api/v1/reports/{T_report}/download/          %files    401   200:T   200:T     404     404   200:T   200:T   200:T
GET    /api/v1/reports/{H_report}/download/          %files    401   200:H   200:H     404     404     404     404     404
GET    /api/v1/reports/{T_report}/download/?format=pdf %files  401   200:T   200:T     404     404   200:T   200:T   200:T
POST   /api/v1/reports/                   @report_T            401     202     202     404     404     404     404     202
POST   /api/v1/reports/                   @report_H            401     202     202     404     404     404     404     404
# --- supervision, attraction, notifications -----------------------------------------------------------------------
GET    /api/v1/lights/                                         401  200:TH  200:TH   200:H   200:T   200:T   200:T   200:-
GET    /api/v1/map/                                            401     200     200     200     200     200     200     200
GET    /api/v1/supervision-orders/                             401     200     200     200     200     200     200     200
GET    /api/v1/attraction/records/                             401     200     200     200     200     200     200     200
GET    /api/v1/capital/                                        401     200     200     200     200     200     200     200
GET    /api/v1/notifications/                                  401     200     200     200     200     200     200     200
# --- admin site (staff only; its project list is restricted too) ---------------------------------------------
GET    /admin/projects/project/                                302  200:TH     302     302     302     302     302     302
GET    /admin/projects/project/{H}/change/                     302   200:H     302     302     302     302     302     302
# --- service tasks (帮办代办): tasks of the projects in scope, owed by 住建局 -------------------------------------
GET    /api/v1/service-tasks/                        %services 401  200:TH  200:TH   200:H   200:T   200:T   200:T   200:-
GET    /api/v1/service-tasks/{T_service}/            %services 401   200:T   200:T     404   200:T   200:T   200:T     404
GET    /api/v1/service-tasks/{H_service}/            %services 401   200:H   200:H   200:H     404     404     404     404
POST   /api/v1/service-tasks/{T_service}/accept/    @version   401     200     403     404     403     200     403     404
POST   /api/v1/service-tasks/{H_service}/accept/    @version   401     200     403     403     404     404     404     404
"""


def _project(world, region_key, **extra):
    from projects.models import Category, Region

    return {
        "name": "矩阵新建项目",
        "region": Region.objects.get(key=region_key).pk,
        "category": Category.objects.get(key="industrial").pk,
        "total_investment": "1000.00",
        "annual_plan": "100.00",
        **extra,
    }


PAYLOADS = {
    "region": lambda world: {"key": "new", "name": "新区", "kind": "zone"},
    "create_T": lambda world: _project(world, "tiedong"),
    "create_H": lambda world: _project(world, "haicheng"),
    "rename": lambda world: {"name": "矩阵改名"},
    "replace_H": lambda world: _project(world, "haicheng", name="矩阵海城项目"),
    "stage": lambda world: {"to_stage": "completed"},
    "entry": lambda world: {"period": "2026-11", "amount_completed": "12.50", "image_progress": "主体施工"},
    "version": lambda world: {},
    "report_T": lambda world: {"round": world.places["T_round"], "formats": ["pdf"]},
    "report_H": lambda world: {"round": world.places["H_round"], "formats": ["pdf"]},
}


def parse(text=MATRIX):
    """[(row id, method, path, payload, markers, [(role, status, shows)])]; shows None or a set of 'T'/'H'."""
    rows = []
    for line in text.strip().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        method, path, *rest = line.split()
        payload = rest.pop(0)[1:] if rest[0].startswith("@") else None
        markers = rest.pop(0)[1:] if rest[0].startswith("%") else "projects"
        if len(rest) != len(ROLES):
            raise ValueError(f"{len(rest)} cells for {len(ROLES)} roles: {line}")
        cells = []
        for role, cell in zip(ROLES, rest, strict=True):
            status, _, shows = cell.partition(":")
            cells.append((role, int(status), None if not shows else set() if shows == "-" else set(shows)))
        row_id = f"{method} {path}{' @' + payload if payload else ''}"
        rows.append((row_id, method, path, payload, markers, cells))
    return rows
