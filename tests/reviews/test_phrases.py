"""A teacher's own phrase bank: list, add, delete, reorder; nobody sees another's phrases."""

import pytest
from django.urls import reverse

from reviews.models import AdvicePhrase
from reviews.services import PHRASES_MAX

URL = "reviews:phrases"


def phrase(owner, text, position) -> AdvicePhrase:
    return AdvicePhrase.objects.create(owner=owner, text=text, position=position)


def texts(owner) -> list[str]:
    return list(AdvicePhrase.objects.filter(owner=owner).values_list("text", flat=True))


def test_anonymous_is_sent_to_the_login_page(client, db):
    response = client.get(reverse(URL))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("who", ["student_user", "guardian"])
def test_only_staff_keep_phrases(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse(URL)).status_code == 403
    assert client.post(reverse(URL), {"action": "add", "text": "Hoi"}).status_code == 403
    assert not AdvicePhrase.objects.exists()


def test_a_teacher_sees_only_their_own_phrases(client, world):
    phrase(world.teacher, "Plan je huiswerk per dag.", 0)
    phrase(world.other_teacher, "Van een collega.", 0)
    client.force_login(world.teacher)

    response = client.get(reverse(URL))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Plan je huiswerk per dag." in html
    assert "Van een collega." not in html
    assert "<kbd>Alt+1</kbd>" in html


def test_add_a_phrase_at_the_end_and_return_to_the_grid(client, world):
    phrase(world.teacher, "Eerste.", 0)
    client.force_login(world.teacher)
    back = "/cycles/1/groups/2/"

    response = client.post(reverse(URL), {"action": "add", "text": "  Maak elke week één oefentoets.  ", "next": back})

    assert response.status_code == 302
    assert response.url == f"{reverse(URL)}?next=%2Fcycles%2F1%2Fgroups%2F2%2F"
    assert texts(world.teacher) == ["Eerste.", "Maak elke week één oefentoets."]
    html = client.get(response.url).content.decode()
    assert "Standaardadvies toegevoegd." in html
    assert f'href="{back}"' in html


def test_an_outside_next_is_ignored(client, world):
    client.force_login(world.teacher)
    html = client.get(reverse(URL), {"next": "https://evil.example/"}).content.decode()
    assert 'href="https://evil.example/"' not in html
    assert 'name="next" value="https:' not in html
    assert "Terug naar de stoplichten" not in html


def test_an_empty_or_too_long_phrase_is_refused_with_a_message(client, world):
    client.force_login(world.teacher)
    response = client.post(reverse(URL), {"action": "add", "text": "   "})
    assert response.status_code == 200
    assert "Dit veld is verplicht." in response.content.decode()

    response = client.post(reverse(URL), {"action": "add", "text": "x" * 301})
    assert "300" in response.content.decode()
    assert not AdvicePhrase.objects.exists()


def test_there_is_a_limit_to_the_phrases(client, world):
    AdvicePhrase.objects.bulk_create(
        AdvicePhrase(owner=world.teacher, text=f"Zin {i}", position=i) for i in range(PHRASES_MAX)
    )
    client.force_login(world.teacher)
    response = client.post(reverse(URL), {"action": "add", "text": "Nog een."})
    assert "verwijder er eerst een" in response.content.decode()
    assert AdvicePhrase.objects.count() == PHRASES_MAX


def test_move_up_and_down(client, world):
    a, _b, c = (phrase(world.teacher, text, i) for i, text in enumerate(["A", "B", "C"]))
    client.force_login(world.teacher)

    client.post(reverse(URL), {"action": "up", "phrase": c.pk})
    assert texts(world.teacher) == ["A", "C", "B"]
    client.post(reverse(URL), {"action": "down", "phrase": a.pk})
    assert texts(world.teacher) == ["C", "A", "B"]
    client.post(reverse(URL), {"action": "up", "phrase": c.pk})  # already first: stays
    assert texts(world.teacher) == ["C", "A", "B"]


def test_delete(client, world):
    kept, gone = phrase(world.teacher, "Blijft.", 0), phrase(world.teacher, "Weg.", 1)
    client.force_login(world.teacher)
    response = client.post(reverse(URL), {"action": "delete", "phrase": gone.pk}, follow=True)
    assert "Standaardadvies verwijderd." in response.content.decode()
    assert texts(world.teacher) == [kept.text]


@pytest.mark.parametrize("action", ["delete", "up", "down"])
@pytest.mark.parametrize("who", ["teacher", "outsider"])
def test_another_teachers_phrase_is_404(client, world, action, who):
    theirs = phrase(world.other_teacher, "Van een collega.", 0)
    phrase(world.other_teacher, "Nog een.", 1)
    client.force_login(getattr(world, who))
    assert client.post(reverse(URL), {"action": action, "phrase": theirs.pk}).status_code == 404
    assert texts(world.other_teacher) == ["Van een collega.", "Nog een."]


def test_unknown_actions_are_bad_requests(client, world):
    client.force_login(world.teacher)
    assert client.post(reverse(URL), {"action": "explode"}).status_code == 400
    assert client.post(reverse(URL), {"action": "delete", "phrase": "x"}).status_code == 400
