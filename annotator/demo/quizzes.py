"""The training quizzes: one per category, in training order, hand-written snippets.

Every question is a control task: its gold spans are located by searching for the
value in the snippet (`gold`), so no offset is ever counted by hand, and its
explanation teaches one rule of /work/shared/PII-GUIDELINES.md. Counter-examples
(gold = no spans) teach what is *not* labeled. All names, addresses and secrets
below are invented.
"""

from dataclasses import dataclass

from annotator.core.taxonomy import TRAINING_ORDER, Category, Context
from annotator.projects.services import SpanInput

LICENSE, PLACEHOLDER, REAL = Context.LICENSE, Context.PLACEHOLDER, Context.REAL


def gold(
    text: str, value: str, category: str, context: str = REAL, occurrence: int = 1
) -> SpanInput:
    """The span of the `occurrence`-th (1-based) appearance of `value` in `text`."""
    start = -1
    for _ in range(occurrence):
        start = text.find(value, start + 1)
        if start < 0:
            raise ValueError(f"{value!r} occurs fewer than {occurrence} times in the snippet.")
    return SpanInput(start, start + len(value), category, context)


@dataclass(frozen=True)
class Question:
    path: str
    text: str
    gold: tuple[SpanInput, ...]
    explanation: str


@dataclass(frozen=True)
class Quiz:
    category: str
    title: str
    instructions: str
    questions: tuple[Question, ...]


# (file name, snippet, explanation, labels); a label is (value, context[, occurrence]).
_Raw = tuple[str, str, str, list[tuple]]

_NAME: list[_Raw] = [
    ("header.py", "# Copyright (c) 2018 Priya Raghunathan\n# Released under the MIT License.\n"
     "import os\n",
     "A person named in a copyright notice is a NAME with the context license.",
     [("Priya Raghunathan", LICENSE)]),
    ("test_profile.py", "def test_profile_defaults():\n    user = {\"name\": \"John Doe\", "
     "\"age\": 42}\n    assert render(user)\n",
     "John Doe is the classic made-up person: a NAME with the context placeholder.",
     [("John Doe", PLACEHOLDER)]),
    ("changelog.js", "// 2.3.0: fixed the overflow in parseHeader().\n"
     "// Thanks to Tomasz Wisniewski for the bug report.\nexport const LIMIT = 4096;\n",
     "People credited for a bug report are real people: NAME, context real.",
     [("Tomasz Wisniewski", REAL)]),
    ("solver.py", "from acme_numerics import NewtonSolver\n\n"
     "# Refine the root with the Newton method, as Acme Corporation's docs suggest.\n"
     "solver = NewtonSolver(tolerance=1e-9)\n",
     "Algorithms named after people, libraries and companies are not names: nothing here.",
     []),
    ("review.go", "// Reviewed by Dr. Amara Okafor before the 1.0 release.\n"
     "func Review() bool {\n\treturn true\n}\n",
     "One entity, one span, and titles stay out: select 'Amara Okafor', not 'Dr.'.",
     [("Amara Okafor", REAL)]),
    ("__init__.py", '__author__ = "Lucia Fernandez"\n__version__ = "0.9.1"\n',
     "__author__ attributes authorship, so the name there has the context license.",
     [("Lucia Fernandez", LICENSE)]),
    ("fixtures.rb", "DISPLAY_NAME = 'tester'\nOWNER = 'somebody'\nTEAM = 'Platform Team'\n",
     "Generic display names ('tester', 'somebody') and team names are not people.",
     []),
]  # fmt: skip

_EMAIL: list[_Raw] = [
    ("setup.py", 'setup(\n    name="tidyfeed",\n    author_email="kenji.sato@protonmail.com",\n)\n',
     "author_email in setup.py attributes authorship: EMAIL, context license.",
     [("kenji.sato@protonmail.com", LICENSE)]),
    ("test_mail.py", 'def test_send():\n    send_mail(to="someone@example.org", body="hi")\n',
     "example.org is reserved for examples: EMAIL with the context placeholder.",
     [("someone@example.org", PLACEHOLDER)]),
    ("alerts.yaml", "alerts:\n  report_to: ops-alerts@northwind-logistics.io\n  level: warn\n",
     "Role and list mailboxes are emails too, not only personal ones: EMAIL, real.",
     [("ops-alerts@northwind-logistics.io", REAL)]),
    ("contact.sh", "# Questions? Write to ines dot moreau at gmail dot com\necho ready\n",
     "An obfuscated address is still one EMAIL span, from its first to its last word.",
     [("ines dot moreau at gmail dot com", REAL)]),
    ("ssh_config.ini", "[ssh]\nHostKeyAlgorithms = ssh-ed25519-cert-v01@openssh.com\n"
     "package = lodash@4.17.21\n",
     "Algorithm ids like name@openssh.com and package@version are not emails.",
     []),
    ("footer.php", "<?php\necho '<a href=\"mailto:hello@brightlabs.dev\">Contact</a>';\n",
     "Select only the address: 'mailto:' and the quotes stay outside the span.",
     [("hello@brightlabs.dev", REAL)]),
    ("deploy.sh", "git remote add origin git@github.com:acme/tools.git\ngit push origin main\n",
     "A git@host:org/repo remote is not an email address.",
     []),
]  # fmt: skip

_USERNAME: list[_Raw] = [
    ("install.sh", "# dotfiles from https://github.com/rkowalczyk/dotfiles\n./install.sh\n",
     "The user in a github.com/<user> URL is a USERNAME (context real).",
     [("rkowalczyk", REAL)]),
    ("Client.java", "/**\n * Opens the connection.\n * @param timeout seconds to wait\n"
     " * @author mfischer88\n */\n",
     "@author attributes authorship (context license); @param is a doc tag, not a handle.",
     [("mfischer88", LICENSE)]),
    ("paths.py", 'LOG_FILE = "/home/dsilva/projects/app/log.txt"\n',
     "A home directory names its owner: the folder after /home/ is a USERNAME.",
     [("dsilva", REAL)]),
    ("migrate.js", "// TODO(@hnguyen): drop this shim after the migration\nshim();\n",
     "An @mention is a handle; the leading @ belongs inside the span.",
     [("@hnguyen", REAL)]),
    ("setup_db.sh", "chown nobody:nogroup /srv/data\nsudo -u postgres createdb app\n"
     'DEFAULT_USER="admin"\n',
     "System and generic accounts (nobody, postgres, admin, root) are not people.",
     []),
    ("scanner.rb", "class Lexer\n  def initialize(src)\n    @scanner = Scanner.new(src)\n"
     "  end\nend\n",
     "@scanner is a Ruby instance variable, not a handle: nothing to label.",
     []),
    ("test_login.py", 'def test_login(client):\n    user = create_user("bob")\n'
     "    assert client.login(user)\n",
     "Person-like fixture names such as bob or alice are USERNAMEs, context placeholder.",
     [("bob", PLACEHOLDER)]),
    ("authorized_keys.ini", "[keys]\nwork = ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHq9 "
     "mpetrov@thinkpad\n",
     "In an SSH key comment like user@machine, the user part is a USERNAME.",
     [("mpetrov", REAL)]),
]  # fmt: skip

_IP: list[_Raw] = [
    ("settings.py", 'DB_HOST = "10.20.30.40"\nDB_PORT = 5432\n',
     "Private addresses are labeled too: any valid IPv4 literal except loopback.",
     [("10.20.30.40", REAL)]),
    ("nginx.ini", "[server]\nlisten = 203.0.113.57:8080\n",
     "The span is the address only: the :8080 port stays outside.",
     [("203.0.113.57", REAL)]),
    ("upstream.js", "const UPSTREAM = 'https://[2001:db8:85a3::8a2e:370:7334]:443/';\n",
     "IPv6 counts as well; brackets and port are not part of the span.",
     [("2001:db8:85a3::8a2e:370:7334", REAL)]),
    ("local.yaml", "bind: 127.0.0.1\nlisten_all: 0.0.0.0\nipv6_local: \"::1\"\n",
     "Loopback (127.x, ::1) and unspecified (0.0.0.0) addresses are never labeled.",
     []),
    ("version.py", '__version__ = "1.14.2.3"\nNETMASK = "255.255.255.0"\n',
     "A four-part version number is not an IP, and neither is a netmask.",
     []),
    ("firewall.sh", "iptables -A INPUT -s 192.168.10.0/24 -j ACCEPT\n",
     "Leave the prefix length out: the span is 192.168.10.0, without /24.",
     [("192.168.10.0", REAL)]),
    ("snmp.go", '// poll the sysUpTime OID\nconst OID = "1.3.6.1.2.1.1.3"\n',
     "OIDs and dotted dates look like addresses but are not: nothing to label.",
     []),
]  # fmt: skip

_PASSWORD: list[_Raw] = [
    ("db.py", 'conn = psycopg.connect(host="db", user="app", password="Marigold77")\n',
     "A literal passed as a password is a PASSWORD; the word 'password' itself is not.",
     [("Marigold77", REAL)]),
    ("cache.js", "const REDIS_URL = 'redis://:s3cr3tPass@cache.internal:6379/0';\n",
     "The password in a URL's user:password@host part is labeled, value only.",
     [("s3cr3tPass", REAL)]),
    ("compose.yaml", "db:\n  password: ${DB_PASSWORD}\n  user: app\n",
     "${DB_PASSWORD} is a variable filled in later, not a password: nothing to label.",
     []),
    ("basic_auth.py", 'AUTH = ("admin", "admin")\n',
     "A weak value still counts: the second 'admin' is the password half of the pair.",
     [("admin", REAL, 2)]),
    ("backup.sh", "mysqldump --user=backup --password=Hunter2Qx shop > shop.sql\n",
     "Passwords on a command line count; the flag name stays outside the span.",
     [("Hunter2Qx", REAL)]),
    ("config.ini", "[smtp]\npassword = ********\n[demo]\npassword = notarealpassword\n",
     "Masks and descriptive placeholders are not passwords.",
     []),
    ("mirror.rb", "PASSWORD = 'tulip-88'\nURL = 'ftp://deploy:tulip-88@files.corp.lan/'\n",
     "Label every occurrence that plays the role: the same password twice, two spans.",
     [("tulip-88", REAL, 1), ("tulip-88", REAL, 2)]),
]  # fmt: skip

_PEM = (
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIB3kq7vTz9w2Lr8XhQe5mYf0aP1sKj6dUu4cN8tRbVgWoAoGCCqGSM49\n"
    "AwEHoUQDQgAE4p2Xv8sLq0mZ1jYb7KdQw9eRt3uH5fN6cA==\n"
    "-----END EC PRIVATE KEY-----"
)
_PUBLIC_PEM = (
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE9tRw2yLk5mN0pQ8sXcVb3aHj7eUf\n"
    "-----END PUBLIC KEY-----"
)
_KEY: list[_Raw] = [
    ("aws.ini", "[default]\naws_access_key_id = AKIA4HX7T2QPLM9WZ3RB\nregion = eu-west-1\n",
     "AWS access key ids (AKIA...) are KEYs: the value only.",
     [("AKIA4HX7T2QPLM9WZ3RB", REAL)]),
    ("ci.sh", 'export GH_TOKEN="ghp_8fK2mQ7rVx1LpZ9sW4tY6uB3nC5dE0aHjG2k"\n',
     "GitHub personal access tokens (ghp_...) are secrets: KEY.",
     [("ghp_8fK2mQ7rVx1LpZ9sW4tY6uB3nC5dE0aHjG2k", REAL)]),
    ("billing.py", 'stripe.api_key = "sk_live_51Hq8ZtLmP0xVwR4sN7kYb2cD"\n',
     "A live Stripe secret key (sk_live_...) is a KEY.",
     [("sk_live_51Hq8ZtLmP0xVwR4sN7kYb2cD", REAL)]),
    ("signer.go", f"const signingKey = `{_PEM}`\n",
     "A private key is one span, from -----BEGIN to the end of -----END ...-----.",
     [(_PEM, REAL)]),
    ("maps.js", "const MAPS_KEY = 'your-api-key-here';\n"
     "const BUNDLE_SHA256 = '9f2c4e7a1b3d5f60718293a4b5c6d7e8f9012345678abcdef0123456789abcd';\n",
     "'your-api-key-here' is a placeholder and a hash digest is no secret: nothing here.",
     []),
    ("verify.py", f'PUBLIC_KEY = """{_PUBLIC_PEM}"""\n',
     "Public keys and certificates are meant to be shared: not labeled.",
     []),
    ("deploy.yaml", "authorized_key: ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7x9Lm deploy@ci\n",
     "An SSH public key: label the type and the blob, not the trailing comment.",
     [("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7x9Lm", REAL)]),
]  # fmt: skip

_ID: list[_Raw] = [
    ("contacts.py", 'SUPPORT = {"phone": "+44 20 7946 0958"}\n',
     "Phone numbers in any format are IDs.",
     [("+44 20 7946 0958", REAL)]),
    ("policy.yaml", "role: arn:aws:iam::493817264053:role/deploy\n",
     "A 12-digit AWS account number inside an ARN is an ID: the digits only.",
     [("493817264053", REAL)]),
    ("refund.rb", "Stripe::Refund.create(customer: 'cus_Q8rT2vLmX9aZkE', amount: 500)\n",
     "Customer ids (cus_...) identify an account: ID.",
     [("cus_Q8rT2vLmX9aZkE", REAL)]),
    ("middleware.py", 'request_id = "7f3c9e2a-51b4-4d8e-a0c6-2b9f8e1d3a57"\n'
     'message_id = "msg-000481"\n',
     "Request and message ids (and UUIDs on their own) do not identify a person.",
     []),
    ("oauth.js", "const CLIENT_ID = '482913746501-h3k9q.apps.googleusercontent.com';\n",
     "An OAuth client id is an identifier, not a secret: ID.",
     [("482913746501-h3k9q.apps.googleusercontent.com", REAL)]),
    ("cloud.sh", 'INSTANCE="i-0abc12de34f567890"\nACCOUNT="acct_xxxxxxxx"\n',
     "Instance ids and masked ids (acct_xxxx) are not labeled.",
     []),
    ("checkout_test.go", 'const testCard = "4111 1111 1111 1111"\n',
     "Payment card numbers are IDs, even the well-known test ones.",
     [("4111 1111 1111 1111", REAL)]),
]  # fmt: skip

_RAW: dict[str, list[_Raw]] = {
    Category.NAME: _NAME,
    Category.EMAIL: _EMAIL,
    Category.USERNAME: _USERNAME,
    Category.IP_ADDRESS: _IP,
    Category.PASSWORD: _PASSWORD,
    Category.KEY: _KEY,
    Category.ID: _ID,
}

_INSTRUCTIONS = (
    "Label every {label} in each snippet, exactly the characters of the value, or mark "
    "the snippet as having no PII. After each answer you see the gold spans and the rule "
    "they teach. Score {pass_score}% or more to unlock {label} tasks."
)


def _question(category: str, number: int, raw: _Raw) -> Question:
    filename, text, explanation, labels = raw
    spans = tuple(gold(text, value, category, *rest) for value, *rest in labels)
    path = f"quiz/{category.lower()}/{number:02d}_{filename}"
    return Question(path=path, text=text, gold=spans, explanation=explanation)


def quizzes(pass_score: int = 80) -> list[Quiz]:
    """The seven quizzes in training order."""
    result = []
    for position, category in enumerate(TRAINING_ORDER, start=1):
        label = Category(category).label
        result.append(
            Quiz(
                category=category,
                title=f"Quiz {position}: {label}",
                instructions=_INSTRUCTIONS.format(label=label, pass_score=pass_score),
                questions=tuple(
                    _question(category, n, raw) for n, raw in enumerate(_RAW[category], start=1)
                ),
            )
        )
    return result
