"""Container names: validation, generated names, and resolution of names/IDs/prefixes (pure)."""

import random
import re

from dockyard.errors import Conflict, InvalidArgument, NotFound

_VALID = re.compile(r"^/?[a-zA-Z0-9][a-zA-Z0-9_.-]*$")
_ADJECTIVES = (
    "admiring adoring agitated amazing angry awesome blissful bold boring brave busy charming clever "
    "cool compassionate confident cranky dazzling determined distracted dreamy eager ecstatic elastic "
    "elegant eloquent epic fervent festive flamboyant focused friendly frosty gallant gifted goofy "
    "gracious happy hardcore heuristic hopeful hungry infallible inspiring jolly jovial keen kind "
    "laughing loving lucid magical modest musing mystifying naughty nervous nice nifty nostalgic "
    "objective optimistic peaceful pedantic pensive practical priceless quirky quizzical relaxed "
    "reverent romantic sad serene sharp silly sleepy stoic strange stupefied suspicious sweet tender "
    "thirsty trusting unruffled upbeat vibrant vigilant vigorous wizardly wonderful xenodochial youthful "
    "zealous zen"
).split()
_SURNAMES = (
    "albattani allen archimedes ardinghelli babbage banach bardeen bartik bell benz bhabha blackwell "
    "bohr booth borg bose brahmagupta brattain brown cannon carson cerf chandrasekhar chaplygin clarke "
    "cohen curie darwin davinci dijkstra einstein elion engelbart euclid euler fermat fermi feynman "
    "franklin galileo gates goldberg goldstine goodall hamilton hawking heisenberg hermann hodgkin "
    "hofstadter hopper hypatia jackson jang jennings johnson joliot kalam keller kepler khorana "
    "knuth kowalevski lalande lamarr leakey leavitt lederberg lovelace lumiere mahavira mayer "
    "mccarthy mcclintock meitner mendel mestorf minsky mirzakhani montalcini morse murdock napier "
    "newton nobel noether northcutt noyce panini pare pascal pasteur payne perlman pike poincare "
    "ptolemy raman ramanujan ride ritchie rosalind saha sammet shannon shaw shockley sinoussi "
    "snyder spence stallman stonebraker swartz tesla thompson torvalds turing varahamihira "
    "visvesvaraya volhard wescoff wiles williams wilson wing wozniak wright yalow yonath zhukovsky"
).split()


def validate(name: str) -> str:
    """The canonical name without its leading slash; InvalidArgument if Docker would refuse it."""
    if not _VALID.match(name):
        raise InvalidArgument(f"Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
    return name.lstrip("/")


def generate(taken: set[str], rng: random.Random) -> str:
    for _ in range(100):
        name = f"{rng.choice(_ADJECTIVES)}_{rng.choice(_SURNAMES)}"
        if name not in taken:
            return name
    return f"{rng.choice(_ADJECTIVES)}_{rng.choice(_SURNAMES)}{rng.randint(0, 9999)}"


def resolve(ref: str, ids_by_name: dict[str, str], ids: list[str], kind: str = "container") -> str:
    """Full ID for a full ID, a name, or a unique ID prefix, as Docker resolves them."""
    if ref in ids:
        return ref
    found = ids_by_name.get(ref.lstrip("/"))
    if found:
        return found
    matches = [i for i in ids if i.startswith(ref)] if ref else []
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise InvalidArgument(f"multiple IDs found with provided prefix: {ref}")
    raise NotFound(f"No such {kind}: {ref}")


def name_conflict(name: str, owner_id: str) -> Conflict:
    return Conflict(
        f'Conflict. The container name "/{name}" is already in use by container "{owner_id}". '
        "You have to remove (or rename) that container to be able to reuse that name."
    )
