"""The demo school: a deterministic, realistic Dutch secondary school.

`manage.py seed_demo` (and so `make run`) builds it with the well-known demo
logins; tests and benches build it as a function, `demo_school_create`, several
times in one database if they like (each with its own username prefix).

Building happens in two steps: `_Planner` draws every name, date and choice from
one `random.Random(seed)` in a fixed order, touching no database, so the same
seed always gives the same school; `_write` then stores the plan with one
`bulk_create` per table, so 2,000 students take seconds, not minutes.

The demo covers the upper school, where the review cycle of DESIGN §1.1 runs
("of 200 students in the upper school, 5 were discussed"): `students` counts
upper-school students. The Onderbouw department exists, as in a real school,
but gets its classes from a roster import, not from the demo.
"""

from __future__ import annotations

import datetime
import itertools
import math
import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from .models import (
    ClassGroup,
    Department,
    Enrollment,
    Guardian,
    Level,
    Period,
    School,
    SchoolYear,
    Staff,
    Student,
    Subject,
    TeachingGroup,
    User,
)

SCHOOL_NAME = "Het Demolyceum"
DEFAULT_STUDENTS = 200
DEFAULT_SEED = 2026
MIN_STUDENTS = 8  # one per class group
DEMO_PASSWORD = "demo"  # noqa: S105 - published on purpose: the demo logins exist only in demo mode
# A reserved top-level domain (RFC 2606): mail to demo people can never reach a real inbox.
EMAIL_DOMAIN = "demolyceum.example"


class DemoSchoolError(Exception):
    """The demo school cannot be built here; the message says why and what to do."""


# --- the demo logins: the one list the commands and the README use -------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str  # in Dutch, as the school would say it
    first_name: str
    last_name: str  # with its infix ("van der Linden"): User has no separate infix

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


ADMIN = "beheerder"
TEAM_LEADER_HAVO = "teamleider"
TEAM_LEADER_VWO = "teamleider.vwo"
MENTOR = "mentor"
MENTOR_VWO = "mentor.vwo"
TEACHER = "docent"
CARE_COORDINATOR = "zorg"
STUDENT = "leerling"
STUDENT_VWO = "leerling.vwo"
GUARDIAN = "ouder"
CLASS_REPRESENTATIVE = "klasleider"

DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin(ADMIN, "schoolbeheerder", "Ingrid", "Hoekstra"),
    DemoLogin(TEAM_LEADER_HAVO, "teamleider bovenbouw havo, docent economie", "Jeroen", "van der Linden"),
    DemoLogin(TEAM_LEADER_VWO, "teamleider bovenbouw vwo", "Samira", "El Idrissi"),
    DemoLogin(MENTOR, "mentor van 4H1, docent geschiedenis", "Marieke", "de Vries"),
    DemoLogin(TEACHER, "vakdocent Engels (ook in een duo)", "Rakesh", "Ramsaran"),
    DemoLogin(CARE_COORDINATOR, "zorgcoördinator", "Hülya", "Yıldız"),  # noqa: RUF001 - the Turkish dotless i is right here
    DemoLogin(MENTOR_VWO, "mentor van 5V1, docent Nederlands", "Thomas", "Verbeek"),
    DemoLogin(STUDENT, "leerling in 4H1", "Lina", "Bouzid"),
    DemoLogin(CLASS_REPRESENTATIVE, "leerling in 4H1, klasleider", "Jurvin", "Maduro"),
    DemoLogin(STUDENT_VWO, "leerling in 5V1, broer van Lina", "Adam", "Bouzid"),
    DemoLogin(GUARDIAN, "ouder/verzorger van Lina (4H1) en Adam (5V1)", "Karima", "Bouzid"),
)
DEMO_LOGINS_BY_USERNAME = {login.username: login for login in DEMO_LOGINS}


def demo_login_users() -> list[tuple[DemoLogin, User]]:
    """The demo logins that exist and can log in, in the order of DEMO_LOGINS."""
    users = User.objects.filter(username__in=DEMO_LOGINS_BY_USERNAME, is_active=True).in_bulk(field_name="username")
    return [(login, users[login.username]) for login in DEMO_LOGINS if login.username in users]


def demo_logins_table(rows: list[tuple[DemoLogin, User]]) -> str:
    """A plain-text table for the terminal (`make run`)."""
    lines = [("username", "password", "role", "name")]
    lines += [(login.username, DEMO_PASSWORD, login.role, user.get_full_name()) for login, user in rows]
    widths = [max(len(line[column]) for line in lines) for column in range(3)]
    return "\n".join(
        "  ".join(value.ljust(width) for value, width in zip(line[:3], widths, strict=True)) + "  " + line[3]
        for line in lines
    )


def demo_logins_markdown() -> str:
    """The same table in Markdown, for the README (`manage.py demo_logins --markdown`)."""
    lines = ["| username | password | role | name |", "|---|---|---|---|"]
    lines += [f"| `{login.username}` | `{DEMO_PASSWORD}` | {login.role} | {login.name} |" for login in DEMO_LOGINS]
    return "\n".join(lines)


# --- the school's shape -----------------------------------------------------------------------

SCHOOL_YEAR = ("2026-2027", datetime.date(2026, 8, 24), datetime.date(2027, 7, 16))
PERIODS = (
    ("Periode 1", datetime.date(2026, 8, 24), datetime.date(2026, 11, 13)),
    ("Periode 2", datetime.date(2026, 11, 16), datetime.date(2027, 2, 5)),
    ("Periode 3", datetime.date(2027, 2, 8), datetime.date(2027, 4, 23)),
    ("Periode 4", datetime.date(2027, 4, 26), datetime.date(2027, 7, 16)),
)
ONDERBOUW, BOVENBOUW_HAVO, BOVENBOUW_VWO = "Onderbouw", "Bovenbouw havo", "Bovenbouw vwo"
DEPARTMENTS = (ONDERBOUW, BOVENBOUW_HAVO, BOVENBOUW_VWO)

# (department, level, year, number of parallel classes at the default size)
CLASS_LAYOUT = (
    (BOVENBOUW_HAVO, Level.HAVO, 4, 2),
    (BOVENBOUW_HAVO, Level.HAVO, 5, 2),
    (BOVENBOUW_VWO, Level.VWO, 4, 2),
    (BOVENBOUW_VWO, Level.VWO, 5, 1),
    (BOVENBOUW_VWO, Level.VWO, 6, 1),
)
# A bigger school gets more parallel classes rather than classes of a hundred.
MAX_CLASS_SIZE = 30
TEACHERS_PER_STUDENT = 0.07  # about 140 teachers at 2,000 students
MIN_GENERATED_TEACHERS = 27  # plus the four teaching demo logins: about 30 teachers

SUBJECTS = (
    ("ne", "Nederlands"),
    ("en", "Engels"),
    ("du", "Duits"),
    ("fa", "Frans"),
    ("wa", "Wiskunde A"),
    ("wb", "Wiskunde B"),
    ("gs", "Geschiedenis"),
    ("ak", "Aardrijkskunde"),
    ("ec", "Economie"),
    ("bi", "Biologie"),
    ("sk", "Scheikunde"),
    ("na", "Natuurkunde"),
    ("lo", "Lichamelijke opvoeding"),
    ("ma", "Maatschappijleer"),
)
SUBJECT_ORDER = {code: index for index, (code, _name) in enumerate(SUBJECTS)}
COMMON_SUBJECTS = ("ne", "en", "lo")
# Maatschappijleer is finished in the fourth year.
FOURTH_YEAR_SUBJECTS = ("ma",)
SECOND_LANGUAGES = ("du", "fa")  # vwo students take at least one
# Profiles, simplified: (name, weight, fixed subjects, choices of one subject each).
PROFILES = (
    ("CM", 20, ("gs", "ak"), (("du", "fa"), ("ec", "wa"))),
    ("EM", 35, ("ec", "gs", "wa"), (("ak", "du"),)),
    ("NG", 25, ("bi", "sk"), (("wa", "wb"), ("ak", "na"))),
    ("NT", 20, ("na", "sk", "wb"), (("bi", "ak"),)),
)
# Mathematics teachers teach both A and B; every other subject has its own teachers.
TEACHER_POOL = {"wa": "wi", "wb": "wi"}
CO_TEACHING_SHARE = 0.08
TWO_MENTORS_SHARE = 0.3
SIBLING_SHARE = 0.08
TWO_GUARDIANS_SHARE = 0.65
OWN_SURNAME_SHARE = 0.5  # the second guardian keeps their own surname
HELD_BACK_SHARE = 0.12  # a year older than their classmates


# --- names as in a Dutch city ------------------------------------------------------------------


@dataclass(frozen=True)
class Origin:
    weight_students: int
    weight_staff: int
    girls: tuple[str, ...]
    boys: tuple[str, ...]
    women: tuple[str, ...]
    men: tuple[str, ...]
    surnames: tuple[tuple[str, str], ...]  # (infix, last name)


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(","))


def _surnames(text: str) -> tuple[tuple[str, str], ...]:
    """'van der Meer, El Amrani' → (('van der', 'Meer'), ('', 'El Amrani')): an infix is lower case."""
    surnames = []
    for name in _names(text):
        words = name.split(" ")
        infix = list(itertools.takewhile(lambda word: not word[:1].isupper(), words))
        surnames.append((" ".join(infix), " ".join(words[len(infix) :])))
    return tuple(surnames)


# Turkish names keep their dotless i (U+0131), which RUF001 would flag as a look-alike.
ORIGINS = (
    Origin(  # Dutch
        55,
        78,
        girls=_names(
            "Emma, Julia, Sophie, Lotte, Tess, Sara, Fleur, Anna, Lisa, Eva, Noa, Zoë, Isa, Femke, Jasmijn, Roos, "
            "Sanne, Lieke, Britt, Floor, Maud, Evi, Anouk, Iris, Fenna, Nina, Elin, Liv, Noor, Milou, Sofie, Mila, "
            "Hannah, Vera, Esmee, Merel, Puck, Noëlle"
        ),
        boys=_names(
            "Daan, Sem, Lucas, Levi, Finn, Milan, Jesse, Thijs, Lars, Bram, Luuk, Ruben, Tim, Stijn, Sven, Jens, "
            "Gijs, Mees, Niels, Thomas, Max, Julian, Noah, Sam, Tygo, Siem, Teun, Koen, Joep, Wout, Pepijn, Floris, "
            "Ties, Guus, Mats, Hidde, Stan, Daniël"
        ),
        women=_names(
            "Marieke, Sandra, Esther, Karin, Linda, Monique, Saskia, Ingrid, Petra, Mirjam, Annemiek, Judith, "
            "Nicole, Femke, Hanneke, Wendy, Ilse, Marloes, Charlotte, Inge, Mariska, Daniëlle, Anja, Jolanda, Eline, "
            "Suzanne, Marjolein, Anouk, Renate"
        ),
        men=_names(
            "Jeroen, Mark, Bas, Wouter, Pieter, Hans, Joost, Ruud, Erik, Martijn, Rob, Dennis, Arjen, Remco, Sander, "
            "Michiel, Frank, Jan, Maarten, Vincent, Tom, Bart, Niels, Edwin, Patrick, Paul, Marco, Gert-Jan, Rik, "
            "Thijs"
        ),
        surnames=_surnames(
            "de Jong, Jansen, de Vries, van den Berg, van Dijk, Bakker, Visser, Smit, Meijer, de Boer, Mulder, "
            "de Groot, Bos, Vos, Peters, Hendriks, van Leeuwen, Dekker, Brouwer, de Wit, Dijkstra, Smits, de Graaf, "
            "van der Meer, van der Linden, Kok, Jacobs, de Haan, Vermeulen, van den Heuvel, van der Veen, "
            "van den Broek, de Bruijn, van der Heijden, Schouten, van Beek, Willems, van Vliet, van de Ven, "
            "Hoekstra, Maas, Verhoeven, Koster, van Dam, van der Wal, Prins, Blom, Huisman, ter Horst, Kuipers, "
            "van 't Hof, Veenstra, Kramer, van Rijn, Timmermans"
        ),
    ),
    Origin(  # Moroccan-Dutch
        13,
        5,
        girls=_names(
            "Yasmina, Fatima, Salma, Nora, Amira, Imane, Hiba, Soumaya, Ikram, Malak, Rania, Aya, Khadija, Meryem, "
            "Ilham, Nisrine, Dounia, Hajar"
        ),
        boys=_names(
            "Mohamed, Yassine, Ilias, Ayoub, Bilal, Anas, Hamza, Zakaria, Amine, Rayan, Soufiane, Othman, Younes, "
            "Mounir, Badr, Yahya, Nassim, Ismail, Reda"
        ),
        women=_names("Fatima, Khadija, Naima, Samira, Malika, Latifa, Hafida, Souad, Nadia, Rachida"),
        men=_names("Mohamed, Ahmed, Abdelkader, Mustafa, Said, Hassan, Rachid, Driss, Youssef, Karim"),
        surnames=_surnames(
            "El Amrani, Benali, Ait Taleb, Ouali, El Khatib, Azzouz, Boukhari, Chaouch, El Haddaoui, Ziani, Akhiat, "
            "Bakkali, El Ouardi, Lahmidi, Moussaoui, Tahiri, Amrani"
        ),
    ),
    Origin(  # Turkish-Dutch
        10,
        5,
        girls=_names(
            "Elif, Zeynep, Ecem, Esra, Büşra, Melek, Ayla, Defne, Selin, Eylül, Sude, Merve, İrem, Nisa, Aylin"
        ),
        boys=_names("Emre, Mert, Yusuf, Burak, Kerem, Enes, Efe, Baran, Can, Arda, Emir, Mehmet, Ömer, Berkay, Eren"),
        women=_names("Ayşe, Fatma, Hülya, Emine, Songül, Nurcan, Sevgi, Gül, Derya, Özlem"),
        men=_names("Murat, Serkan, Mehmet, Ali, Hakan, Ahmet, Cengiz, Mustafa, Osman, Kemal"),
        surnames=_surnames(
            "Yılmaz, Demir, Kaya, Şahin, Çelik, Öztürk, Aydın, Arslan, Doğan, Kılıç, Aslan, Yıldırım, Koç, Kurt, "  # noqa: RUF001
            "Özdemir, Polat, Erdoğan, Şimşek, Aksoy, Güler"
        ),
    ),
    Origin(  # Surinamese-Dutch: Creole, Hindustani, Javanese and Chinese families
        9,
        5,
        girls=_names(
            "Shanice, Kimberley, Naomi, Priya, Anjali, Shania, Chelsey, Dewi, Jamila, Sharona, Rachelle, Kiara, "
            "Ashanti, Tamara, Radha"
        ),
        boys=_names(
            "Jayden, Giovanni, Dylan, Rohan, Ravi, Kevin, Quincy, Jermaine, Sergio, Ryan, Vishal, Mitchel, Darnell, "
            "Nathan, Romano, Aryan"
        ),
        women=_names("Sharmila, Ivette, Marcia, Soenita, Jennifer, Anita, Ratna, Shirley, Gracia"),
        men=_names("Rakesh, Glenn, Ricardo, Ramon, Anand, Clifton, Roy, Sunil, Humphrey"),
        surnames=_surnames(
            "Pinas, Sewdien, Ramdin, Kartosen, Jagessar, Mahabier, Soekhoe, Doekhie, Sedney, Zandvliet, Lie A Fong, "
            "Kanhai, Tjon, Amatmoekrim, Kromodimedjo, Bhagwandin, Sitaldin"
        ),
    ),
    Origin(  # Antillean and Aruban
        3,
        2,
        girls=_names("Shanaya, Dayenne, Giselle, Naomy, Jeaneyra"),
        boys=_names("Jurick, Ryanto, Shaquille, Jurvin, Gino"),
        women=_names("Giselle, Jacqueline, Milouska, Roxanne, Sharline"),
        men=_names("Edsel, Ronald, Gregory, Jurgen, Orlando"),
        surnames=_surnames("Martina, Isenia, Statia, Felida, Rosaria, Pieternella, Maduro, Cijntje"),
    ),
    Origin(  # Polish-Dutch
        3,
        1,
        girls=_names("Julia, Zuzanna, Maja, Wiktoria, Natalia"),
        boys=_names("Jakub, Kacper, Szymon, Filip, Mikołaj"),
        women=_names("Agnieszka, Katarzyna, Magdalena, Joanna, Anna"),
        men=_names("Piotr, Tomasz, Krzysztof, Marcin, Paweł"),
        surnames=_surnames("Nowak, Wójcik, Kaczmarek, Mazur, Krawczyk, Dudek, Pawlak, Michalak"),
    ),
    Origin(  # Syrian-Dutch
        3,
        1,
        girls=_names("Rahaf, Layan, Sidra, Hala, Rama"),
        boys=_names("Omar, Ahmad, Karam, Yazan, Majd"),
        women=_names("Rasha, Ghada, Lama, Nour, Reem"),
        men=_names("Mahmoud, Khaled, Bassam, Ammar, Fadi"),
        surnames=_surnames("Alhassan, Haddad, Al Khatib, Mansour, Darwish, Al Ali, Hamoud, Kassem"),
    ),
    Origin(  # Ghanaian-Dutch
        2,
        1,
        girls=_names("Ama, Abena, Akosua, Efua, Nana"),
        boys=_names("Kwame, Kofi, Yaw, Kwabena, Kojo"),
        women=_names("Akua, Adwoa, Comfort, Grace, Patience"),
        men=_names("Kwaku, Emmanuel, Samuel, Isaac, Kofi"),
        surnames=_surnames("Mensah, Owusu, Boateng, Asante, Appiah, Osei, Agyemang, Amponsah"),
    ),
    Origin(  # Moluccan-Dutch
        1,
        1,
        girls=_names("Kimberly, Vanessa, Naomi, Joyce"),
        boys=_names("Jordy, Jason, Kevin, Ricardo"),
        women=_names("Jolanda, Marcella, Priscilla, Hetty"),
        men=_names("Johny, Frans, Dominggus, Ronny"),
        surnames=_surnames("Sahetapy, Pattiasina, Latumahina, Manuhutu, Tuhumury, Wattimena, Sopacua"),
    ),
    Origin(  # Chinese-Dutch
        1,
        1,
        girls=_names("Mei, Jasmine, Amy, Cindy"),
        boys=_names("Kevin, Wei, Daniel, Ming"),
        women=_names("Mei Ling, Xiaoli, Annie, Ling"),
        men=_names("Jian, Hong, Danny, Kin"),
        surnames=_surnames("Chen, Li, Wong, Zhang, Lam, Cheung, Wu, Liu"),
    ),
)
MOROCCAN_DUTCH = ORIGINS[1]


# --- the plan: plain data drawn from the seed --------------------------------------------------


@dataclass
class Person:
    first_name: str
    infix: str
    last_name: str
    login: str = ""  # the demo username, if this person is a demo login

    @property
    def user_last_name(self) -> str:
        return f"{self.infix} {self.last_name}" if self.infix else self.last_name


@dataclass
class PlannedStaff:
    person: Person
    code: str
    pool: str = ""  # the subject (pool) they teach; empty for staff who do not teach
    is_school_admin: bool = False
    is_care_coordinator: bool = False
    load: int = 0


@dataclass
class PlannedClass:
    name: str
    department: str
    level: str
    year: int
    size: int
    mentors: list[int] = field(default_factory=list)  # staff indices


@dataclass
class PlannedStudent:
    person: Person
    number: str
    date_of_birth: datetime.date
    class_index: int
    subjects: list[str]


@dataclass
class Family:
    origin: Origin
    surname: tuple[str, str]
    guardians: list[Person]
    class_indices: list[int] = field(default_factory=list)


@dataclass
class PlannedGroup:
    name: str
    class_index: int
    subject: str
    students: list[int]  # student indices
    teachers: list[int] = field(default_factory=list)  # staff indices


@dataclass
class Plan:
    staff: list[PlannedStaff]
    classes: list[PlannedClass]
    students: list[PlannedStudent]
    families: list[Family]
    family_of_student: list[int]
    groups: list[PlannedGroup]
    team_leaders: dict[str, int]  # department → staff index


def _ascii_letters(text: str) -> str:
    """'Şahin' → 'SAHIN': staff codes are typed on timetables and keyboards."""
    decomposed = unicodedata.normalize("NFKD", text.replace("\u0131", "i"))
    return "".join(char for char in decomposed if char.isascii() and char.isalpha()).upper()


def _staff_code(person: Person, taken: set[str]) -> str:
    """Three letters from the surname, as Dutch timetables do ('van der Linden' → 'LIN'), unique in the school."""
    last, first = _ascii_letters(person.last_name), _ascii_letters(person.first_name)
    candidates = itertools.chain([last[:3]], ("".join(combo) for combo in itertools.combinations(last + first, 3)))
    for candidate in candidates:
        if len(candidate) == 3 and candidate not in taken:
            taken.add(candidate)
            return candidate
    # Only reachable with very large schools: fall back to a letter and a number.
    candidate = next(c for n in itertools.count(1) if (c := f"{last[:1] or 'X'}{n:02d}") not in taken)
    taken.add(candidate)
    return candidate


def _person_from(login: str) -> Person:
    entry = DEMO_LOGINS_BY_USERNAME[login]
    infix, _, last = entry.last_name.rpartition(" ") if entry.last_name[:1].islower() else ("", "", entry.last_name)
    return Person(entry.first_name, infix, last, login=login)


class _Names:
    """Draws names from the seeded generator, with the city's mix of origins."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def origin(self, *, staff: bool) -> Origin:
        weights = [origin.weight_staff if staff else origin.weight_students for origin in ORIGINS]
        return self.rng.choices(ORIGINS, weights=weights)[0]

    def adult(self, origin: Origin, surname: tuple[str, str] | None = None) -> Person:
        first = self.rng.choice(origin.women if self.rng.random() < 0.5 else origin.men)
        infix, last = surname or self.rng.choice(origin.surnames)
        return Person(first, infix, last)

    def colleague(self, surnames_in_use: set[str]) -> Person:
        """A new teacher; a few tries for a surname nobody in the staff room has yet."""
        for _try in range(10):
            person = self.adult(self.origin(staff=True))
            if person.last_name not in surnames_in_use:
                break
        return person

    def child(self, origin: Origin, surname: tuple[str, str]) -> Person:
        first = self.rng.choice(origin.girls if self.rng.random() < 0.5 else origin.boys)
        return Person(first, *surname)


def _class_layout(students: int) -> list[PlannedClass]:
    parallel = max(1, math.ceil(students / (sum(count for *_, count in CLASS_LAYOUT) * MAX_CLASS_SIZE)))
    classes = []
    for department, level, year, count in CLASS_LAYOUT:
        letter = "H" if level == Level.HAVO else "V"
        classes += [
            PlannedClass(f"{year}{letter}{number}", department, level, year, 0)
            for number in range(1, count * parallel + 1)
        ]
    for index, planned in enumerate(classes):
        planned.size = students // len(classes) + (1 if index < students % len(classes) else 0)
    return classes


def _subjects_for(rng: random.Random, level: str, year: int, profile: str | None = None) -> list[str]:
    _name, _weight, fixed, choices = (
        next(p for p in PROFILES if p[0] == profile) if profile else rng.choices(PROFILES, [p[1] for p in PROFILES])[0]
    )
    subjects = [*COMMON_SUBJECTS, *fixed, *(rng.choice(choice) for choice in choices)]
    if year == 4:
        subjects += FOURTH_YEAR_SUBJECTS
    if level == Level.VWO and not set(subjects) & set(SECOND_LANGUAGES):
        subjects.append(rng.choice(SECOND_LANGUAGES))
    return sorted(set(subjects), key=SUBJECT_ORDER.__getitem__)


def _date_of_birth(rng: random.Random, year: int) -> tuple[datetime.date, bool]:
    """Born so that they are 12 on 1 October of their first year, or a year older if held back once."""
    held_back = rng.random() < HELD_BACK_SHARE
    start = datetime.date(2014 - year - held_back, 10, 1)
    days = (start.replace(year=start.year + 1) - start).days
    return start + datetime.timedelta(days=rng.randrange(days)), held_back


class _Planner:
    """Draws the whole school from one seeded generator, step by step, in a fixed order."""

    def __init__(self, *, students: int, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - demo data, not security
        self.names = _Names(self.rng)
        self.classes = _class_layout(students)
        self.size = students
        self.staff: list[PlannedStaff] = []
        self.codes: set[str] = set()
        self.students: list[PlannedStudent] = []
        self.families: list[Family] = []
        self.family_of_student: list[int] = []
        self.numbers: dict[int, itertools.count] = {}
        self.groups: list[PlannedGroup] = []

    def plan(self) -> Plan:
        # The demo logins first, so they keep their names and codes whatever the size.
        self._add_staff(_person_from(ADMIN), is_school_admin=True)
        self._add_staff(_person_from(CARE_COORDINATOR), is_care_coordinator=True)
        self.leader_havo = self._add_staff(_person_from(TEAM_LEADER_HAVO), pool="ec")
        self.leader_vwo = self._add_staff(_person_from(TEAM_LEADER_VWO))
        self.mentor = self._add_staff(_person_from(MENTOR), pool="gs")
        self.teacher = self._add_staff(_person_from(TEACHER), pool="en")
        self.mentor_vwo = self._add_staff(_person_from(MENTOR_VWO), pool="ne")
        self._plan_students()
        self._plan_groups()
        self._assign_teachers()
        self._assign_mentors()
        return Plan(
            staff=self.staff,
            classes=self.classes,
            students=self.students,
            families=self.families,
            family_of_student=self.family_of_student,
            groups=self.groups,
            team_leaders={BOVENBOUW_HAVO: self.leader_havo, BOVENBOUW_VWO: self.leader_vwo},
        )

    def _add_staff(self, person: Person, **kwargs) -> int:
        self.staff.append(PlannedStaff(person, _staff_code(person, self.codes), **kwargs))
        return len(self.staff) - 1

    # --- students, in families ---

    def _plan_students(self) -> None:
        # The demo family: Lina (`leerling`) in 4H1 and her brother Adam in 5V1; Karima (`ouder`) and their father.
        self.families.append(
            Family(MOROCCAN_DUTCH, ("", "Bouzid"), [_person_from(GUARDIAN), Person("Mohamed", "", "Bouzid")])
        )
        # Lina takes economics and history, so `docent` (English) and `mentor` (history) both teach her.
        demo_children = {"4H1": (_person_from(STUDENT), "EM"), "5V1": (_person_from(STUDENT_VWO), "NT")}
        for class_index, planned in enumerate(self.classes):
            start = 0
            if planned.name in demo_children:
                person, profile = demo_children[planned.name]
                self._add_student(person, class_index, family=0, profile=profile)
                start = 1
            for position in range(start, planned.size):
                family = self._sibling_family(class_index)
                if family is None:
                    family = self._new_family()
                origin, surname = self.families[family].origin, self.families[family].surname
                person = self.names.child(origin, surname)
                if planned.name == "4H1" and position == 1:
                    # 4H1's klasleider gets a demo login; drawn like every classmate, so the school stays the same.
                    person.login = CLASS_REPRESENTATIVE
                self._add_student(person, class_index, family=family)

    def _sibling_family(self, class_index: int) -> int | None:
        """Now and then an earlier family (not the demo one) with no child in this class yet."""
        if len(self.families) < 2 or self.rng.random() >= SIBLING_SHARE:
            return None
        candidate = self.rng.randrange(1, len(self.families))
        classes = self.families[candidate].class_indices
        return candidate if class_index not in classes and len(classes) < 3 else None

    def _new_family(self) -> int:
        origin = self.names.origin(staff=False)
        surname = self.rng.choice(origin.surnames)
        guardians = [self.names.adult(origin, surname)]
        if self.rng.random() < TWO_GUARDIANS_SHARE:
            own_surname = self.rng.random() < OWN_SURNAME_SHARE
            second = self.names.adult(origin, None if own_surname else surname)
            while second.first_name == guardians[0].first_name:  # two parents both called Derya look like a bug
                second = self.names.adult(origin, None if own_surname else surname)
            guardians.append(second)
        self.families.append(Family(origin, surname, guardians))
        return len(self.families) - 1

    def _add_student(self, person: Person, class_index: int, *, family: int, profile: str | None = None) -> None:
        planned = self.classes[class_index]
        date_of_birth, held_back = _date_of_birth(self.rng, planned.year)
        # Numbers start with the year they came to the school, as many school systems number them.
        entry_year = SCHOOL_YEAR[1].year - (planned.year - 1) - held_back
        counter = self.numbers.setdefault(entry_year, itertools.count(1))
        self.students.append(
            PlannedStudent(
                person,
                f"{entry_year % 100:02d}{next(counter):04d}",
                date_of_birth,
                class_index,
                _subjects_for(self.rng, planned.level, planned.year, profile),
            )
        )
        self.family_of_student.append(family)
        self.families[family].class_indices.append(class_index)

    # --- teaching groups and who teaches them ---

    def _plan_groups(self) -> None:
        """One group per class and subject, with the class's students who take it."""
        members: dict[tuple[int, str], list[int]] = {}
        for index, student in enumerate(self.students):
            for subject in student.subjects:
                members.setdefault((student.class_index, subject), []).append(index)
        for class_index, subject in sorted(members, key=lambda key: (key[0], SUBJECT_ORDER[key[1]])):
            name = f"{self.classes[class_index].name}-{subject}"
            self.groups.append(PlannedGroup(name, class_index, subject, members[class_index, subject]))

    def _assign(self, staff_index: int, group: PlannedGroup) -> None:
        group.teachers.append(staff_index)
        self.staff[staff_index].load += 1

    def _assign_teachers(self) -> None:
        by_name = {group.name: group for group in self.groups}
        # The teaching demo logins get fixed groups, so each has something to look at.
        for staff_index, names, limit in (
            (self.teacher, ("4H1-en", "4H2-en", "5H1-en"), None),
            (self.mentor, ("4H1-gs", "4H2-gs", "5H1-gs"), None),
            (self.mentor_vwo, ("5V1-ne", "4V2-ne"), None),
            (self.leader_havo, ("5H2-ec", "5H1-ec", "4H1-ec"), 1),  # a team leader teaches a little
        ):
            for name in [name for name in names if name in by_name][:limit]:
                self._assign(staff_index, by_name[name])
        co_taught_by_teacher = "4V1-en"

        # Generated teachers, shared out over the subjects in proportion to their groups.
        open_groups = [group for group in self.groups if not group.teachers]
        groups_per_pool: dict[str, int] = {}
        for group in open_groups:
            pool = TEACHER_POOL.get(group.subject, group.subject)
            groups_per_pool[pool] = groups_per_pool.get(pool, 0) + 1
        generated = max(MIN_GENERATED_TEACHERS, math.ceil(self.size * TEACHERS_PER_STUDENT))
        teachers: dict[str, list[int]] = {}
        for pool, count in _largest_remainder(groups_per_pool, generated).items():
            for _ in range(count):
                person = self.names.colleague({member.person.last_name for member in self.staff})
                teachers.setdefault(pool, []).append(self._add_staff(person, pool=pool))

        # Each group to the least busy teacher of its subject; some are co-taught by a second.
        for group in open_groups:
            pool = teachers[TEACHER_POOL.get(group.subject, group.subject)]
            first, *others = sorted(pool, key=lambda index: (self.staff[index].load, index))
            self._assign(first, group)
            if group.name == co_taught_by_teacher:
                self._assign(self.teacher, group)
            elif others and self.rng.random() < CO_TEACHING_SHARE:
                self._assign(others[0], group)

    def _assign_mentors(self) -> None:
        """`mentor` has 4H1 and `mentor.vwo` 5V1; every other class gets one or two generated teachers."""
        generated = [index for index, member in enumerate(self.staff) if member.pool and not member.person.login]
        self.rng.shuffle(generated)
        next_mentor = itertools.cycle(generated)
        for planned in self.classes:
            if planned.name in ("4H1", "5V1"):
                planned.mentors = [self.mentor if planned.name == "4H1" else self.mentor_vwo]
                continue
            planned.mentors = [next(next_mentor)]
            if self.rng.random() < TWO_MENTORS_SHARE:
                planned.mentors.append(next(next_mentor))


def _largest_remainder(weights: dict[str, int], total: int) -> dict[str, int]:
    """Share `total` out in proportion to `weights`, at least one each, summing to `total` where possible."""
    whole = sum(weights.values())
    exact = {key: total * weight / whole for key, weight in weights.items()}
    shares = {key: max(1, math.floor(value)) for key, value in exact.items()}
    by_remainder = sorted(weights, key=lambda key: (shares[key] - exact[key], key))
    for key in itertools.islice(itertools.cycle(by_remainder), max(0, total - sum(shares.values()))):
        shares[key] += 1
    return shares


# --- writing the plan ---------------------------------------------------------------------------


@dataclass
class DemoSchool:
    school: School
    logins: dict[str, User]  # the demo login people, by their demo username (without prefix)
    students: int
    staff: int
    class_groups: int
    teaching_groups: int
    guardians: int


def demo_school_create(
    *,
    students: int = DEFAULT_STUDENTS,
    seed: int = DEFAULT_SEED,
    with_logins: bool = True,
    username_prefix: str = "",
    name: str = SCHOOL_NAME,
) -> DemoSchool:
    """Build the demo school in one transaction.

    with_logins: the demo logins get the password "demo" (demo mode only);
        otherwise every user, demo-login people included, has an unusable password.
    username_prefix: goes before every username, so several demo schools can
        share an installation (tests and benches build a small and a large one).
    """
    if students < MIN_STUDENTS:
        raise DemoSchoolError(f"The demo school needs at least {MIN_STUDENTS} students, one per class group.")
    if with_logins and not settings.DEMO_MODE:
        raise DemoSchoolError("Demo logins only exist in demo mode: set DEMO_MODE=1 (make run does).")
    taken = [username_prefix + login.username for login in DEMO_LOGINS]
    if User.objects.filter(username__in=taken).exists():
        raise DemoSchoolError(
            "The demo logins exist already: this database has a demo school. "
            "Use --if-empty, or start from an empty database (make clean-db)."
        )
    plan = _Planner(students=students, seed=seed).plan()
    with transaction.atomic():
        return _write(plan, with_logins=with_logins, username_prefix=username_prefix, name=name)


# --- what other apps add to the demo school ----------------------------------------------------

# Apps above `school` (a review cycle in progress, boards, …) add their demo data
# from their AppConfig.ready(), so school never imports them. `seed_demo` runs the
# extensions after building the school, in the same transaction; each gets the
# school and the seed, must be deterministic by that seed, and returns a line
# for the terminal (or None).
DemoExtension = Callable[[DemoSchool, int], str | None]
_demo_extensions: list[DemoExtension] = []


def demo_extension_register(extension: DemoExtension) -> DemoExtension:
    """Add an extension (once, however often ready() runs); usable as a decorator."""
    if extension not in _demo_extensions:
        _demo_extensions.append(extension)
    return extension


def demo_extensions_run(demo_school: DemoSchool, *, seed: int = DEFAULT_SEED) -> list[str]:
    """Run every registered extension on a freshly built demo school; their summary lines."""
    lines = []
    with transaction.atomic():
        for extension in _demo_extensions:
            line = extension(demo_school, seed)
            if line:
                lines.append(line)
    return lines


def _write(plan: Plan, *, with_logins: bool, username_prefix: str, name: str) -> DemoSchool:
    school = School.objects.create(name=name, language="nl", timezone="Europe/Amsterdam")
    year_name, year_start, year_end = SCHOOL_YEAR
    year = SchoolYear.objects.create(school=school, name=year_name, start_date=year_start, end_date=year_end)
    Period.objects.bulk_create(
        Period(school=school, school_year=year, name=period, start_date=start, end_date=end)
        for period, start, end in PERIODS
    )
    departments = {
        department.name: department
        for department in Department.objects.bulk_create(Department(school=school, name=d) for d in DEPARTMENTS)
    }
    subjects = {
        subject.code: subject
        for subject in Subject.objects.bulk_create(Subject(school=school, code=c, name=n) for c, n in SUBJECTS)
    }

    # Users. Hashing "demo" once: it is the same password for every demo login, and
    # hashing costs a deliberate fraction of a second.
    demo_password = make_password(DEMO_PASSWORD) if with_logins else None

    def user(person: Person, local_name: str) -> User:
        username = username_prefix + (person.login or local_name)
        return User(
            school=school,
            username=username,
            first_name=person.first_name,
            last_name=person.user_last_name,
            email=f"{username}@{EMAIL_DOMAIN}",
            password=demo_password if person.login and demo_password else make_password(None),
        )

    staff_users = [user(member.person, member.code.lower()) for member in plan.staff]
    student_users = [user(student.person, student.number) for student in plan.students]
    guardian_people = [(f, person) for f, family in enumerate(plan.families) for person in family.guardians]
    guardian_users = [user(person, f"ouder{index:05d}") for index, (_f, person) in enumerate(guardian_people, 1)]
    User.objects.bulk_create([*staff_users, *student_users, *guardian_users])

    staff = Staff.objects.bulk_create(
        Staff(
            school=school,
            user=account,
            code=member.code,
            is_school_admin=member.is_school_admin,
            is_care_coordinator=member.is_care_coordinator,
        )
        for member, account in zip(plan.staff, staff_users, strict=True)
    )
    Department.team_leaders.through.objects.bulk_create(
        Department.team_leaders.through(department=departments[department], staff=staff[index])
        for department, index in plan.team_leaders.items()
    )

    class_groups = ClassGroup.objects.bulk_create(
        ClassGroup(
            school=school,
            school_year=year,
            department=departments[planned.department],
            name=planned.name,
            level=planned.level,
            year=planned.year,
        )
        for planned in plan.classes
    )
    ClassGroup.mentors.through.objects.bulk_create(
        ClassGroup.mentors.through(classgroup=class_group, staff=staff[index])
        for planned, class_group in zip(plan.classes, class_groups, strict=True)
        for index in planned.mentors
    )

    students = Student.objects.bulk_create(
        Student(
            school=school,
            user=account,
            number=planned.number,
            first_name=planned.person.first_name,
            infix=planned.person.infix,
            last_name=planned.person.last_name,
            date_of_birth=planned.date_of_birth,
            level=plan.classes[planned.class_index].level,
            year=plan.classes[planned.class_index].year,
            class_group=class_groups[planned.class_index],
        )
        for planned, account in zip(plan.students, student_users, strict=True)
    )

    teaching_groups = TeachingGroup.objects.bulk_create(
        TeachingGroup(school=school, school_year=year, subject=subjects[group.subject], name=group.name)
        for group in plan.groups
    )
    TeachingGroup.teachers.through.objects.bulk_create(
        TeachingGroup.teachers.through(teachinggroup=teaching_group, staff=staff[index])
        for group, teaching_group in zip(plan.groups, teaching_groups, strict=True)
        for index in group.teachers
    )
    Enrollment.objects.bulk_create(
        Enrollment(teaching_group=teaching_group, student=students[index])
        for group, teaching_group in zip(plan.groups, teaching_groups, strict=True)
        for index in group.students
    )

    guardians = Guardian.objects.bulk_create(Guardian(school=school, user=account) for account in guardian_users)
    children: dict[int, list[Student]] = {}
    for student, family in zip(students, plan.family_of_student, strict=True):
        children.setdefault(family, []).append(student)
    Guardian.students.through.objects.bulk_create(
        Guardian.students.through(guardian=guardian, student=child)
        for guardian, (family, _person) in zip(guardians, guardian_people, strict=True)
        for child in children[family]
    )

    people = [
        *zip([member.person for member in plan.staff], staff_users, strict=True),
        *zip([student.person for student in plan.students], student_users, strict=True),
        *zip([person for _family, person in guardian_people], guardian_users, strict=True),
    ]
    return DemoSchool(
        school=school,
        logins={person.login: account for person, account in people if person.login},
        students=len(students),
        staff=len(staff),
        class_groups=len(class_groups),
        teaching_groups=len(teaching_groups),
        guardians=len(guardians),
    )
