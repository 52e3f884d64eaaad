"""Shapes that fooled the detector on real code (stdlib, site-packages, /usr/include,
/usr/share/doc). Each snippet is written here in the same shape as what was found,
not copied. Pure, no DB."""

import pytest

from annotator.detection import detect


def found(text: str) -> list[tuple[str, str]]:
    return [(text[s.start : s.end], s.label) for s in detect(text)]


def labelled(text: str, label: str) -> list[str]:
    return [value for value, kind in found(text) if kind == label]


# NAME -----------------------------------------------------------------------------


def test_a_name_with_a_doubled_space_keeps_its_last_letter():
    assert labelled("# Ana  Lima <ana@lima.dev>, 2011", "NAME") == ["Ana  Lima"]


def test_a_middle_initial_does_not_end_the_name():
    assert labelled("    Bo K. Lindqvist <bo@lindqvist.se>", "NAME") == ["Bo K. Lindqvist"]


@pytest.mark.parametrize(
    "text",
    [
        "    Copyright (C) 2001-2012 Blue Heron, Inc",
        " * Copyright (c) 2004, Nordvik AB",
    ],
)
def test_a_company_with_a_legal_suffix_is_not_a_name(text):
    assert labelled(text, "NAME") == []


@pytest.mark.parametrize(
    "text",
    [
        '/* the largest value supported by type "int", then */',
        "Works with any library supported by array-compat.",
        "    # Encode as latin1 to get original bytes",
    ],
)
def test_supported_by_is_not_ported_by(text):
    assert found(text) == []


@pytest.mark.parametrize(
    "text, names",
    [
        (" * @author M. Dorsey", ["M. Dorsey"]),
        ("    # @author Rob Pell, The Pell Group, CCMST Tech", ["Rob Pell"]),
    ],
)
def test_initials_and_a_following_group_keep_the_author(text, names):
    assert labelled(text, "NAME") == names


# IP_ADDRESS -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "// Taken from linux-2.6.32.5/include/asm/socket.h",
        "  This fix was first merged to 1.4.2.3.",
        "- deps: update V8 to 11.3.244.8",
        "# tool up to 1.7.3.0 crashed on empty input",
        "//  5.2.1.4  Complete elliptic integrals",
        "    // [3.7.2.4] function invocation",
        '<path d="M4 2.12 3.51.98.32 2.03.5z"/>',
        'POLICIES = ObjectIdentifier("2.5.29.32")',
        'bad_split("::1.2.3.4:%scope")',
        '#define TLS_OID_X520_NAME  "2.5.4.3"',
    ],
)
def test_versions_sections_paths_and_oids_are_not_ip_addresses(text):
    assert labelled(text, "IP_ADDRESS") == []


def test_an_ipv6_mask_after_a_slash_is_not_an_address():
    text = "net = '2001:db8:22a::1/::ffff:ffff:ffff:ffff'"
    assert labelled(text, "IP_ADDRESS") == ["2001:db8:22a::1"]


def test_addresses_in_urls_ranges_and_prose_are_still_found():
    text = "GET http://169.254.169.254/latest ; range 10.0.0.1-10.0.0.9 ; from 192.0.2.7 ok"
    assert labelled(text, "IP_ADDRESS") == ["169.254.169.254", "10.0.0.1", "10.0.0.9", "192.0.2.7"]


# USERNAME -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "/*\n * Set the flag in @flags and point @parent at the buffer.\n */",
        " * A face owns one @FT_Slot object.",
        "/** The number of ticks per second @stable ICU 2.0 */",
        "    # the base class still applies @abstractmethod here",
        "    # auto apply the @classmethod decorator",
        "// Do not include directly. @headername{vector}",
        " * @__KV_ATTR_LAST: internal use\n */ /* end */",
        "libs/spirit/include/boost/spirit/home/support/detail.hpp",
        'url = "https://huggingface.co/datasets/"',
        'url = "https://cdn.example/app.js"; f(@mario)',
        "    # so that @seed_case and @reproduce_case just work",
        "    # functions decorated with the @task decorator",
        "has a reference to it, thanks to its constructor), and the",
        'pool.limit(limits=1, user_api="blas")',
    ],
)
def test_doc_refs_decorators_and_paths_are_not_usernames(text):
    assert labelled(text, "USERNAME") == []


@pytest.mark.parametrize(
    "text",
    [
        '            "UserStatus": "FORCE_CHANGE_PASSWORD"',
        '            "UserRegistrationStatus": "Registered",',
        "                config.user_agent_extra = 'Resource'",
        "    colorizer.idleConf.userCfg = usercfg",
        "user_logged_in: Signal",
        "    # GH#35917: HDF5 files written by old (Py2-era) pandas stored freq as",
        "written by Georg Brandl and others.",
        '            "UserVerification": "preferred"',
        '                "usernameClaim": "email",',
        '            "PreventUserExistenceErrors": "ENABLED",',
        "        # -i is read by the JVM and -o is written by it; train_from_file() and",
        "    # which supports @coroutine, and functions decorated with |@given|",
    ],
)
def test_statuses_settings_signals_and_prose_are_not_usernames(text):
    assert labelled(text, "USERNAME") == []


@pytest.mark.parametrize(
    "text", ['DB_USER = "mkovacs"', '    "MasterUsername": "mkovacs",', "login: mkovacs"]
)
def test_names_that_end_in_a_user_word_still_give_usernames(text):
    assert labelled(text, "USERNAME") == ["mkovacs"]


def test_the_host_of_a_profile_in_an_author_field_is_not_a_username():
    assert labelled('__author__ = "github.com/casperdcl"', "USERNAME") == ["casperdcl"]


def test_objective_c_directives_are_not_usernames():
    text = "// Keywords: @interface @implementation @synthesize @try @catch @end @autoreleasepool"
    assert labelled(text, "USERNAME") == []


def test_mentions_on_a_minified_line_are_skipped():
    keywords = " ".join(f"kw{i}" for i in range(200))
    line = 'a.href="#",k="' + keywords + ' @jdoe @mkovacs";'  # "#" then, far on, mentions
    assert len(line) > 1000
    assert labelled(line, "USERNAME") == []
    # The same mention in a comment on an ordinary line is still a handle.
    assert labelled("// thanks @mkovacs", "USERNAME") == ["@mkovacs"]


def test_a_dict_value_user_is_not_a_username_name():
    assert found('msgs = [{"role": "user", "content": prompt}]') == []


def test_a_hex_schema_hash_is_not_a_username():
    assert found('    "AWS::Demo::UserPoolClient": "fe665a1921d29144",') == []


def test_real_handles_in_changelogs_and_markdown_are_still_found():
    text = (
        "## 2015-10-13, Version 4.2.1, @mkovacs\n"
        "* [@RiverJo](https://github.com/RiverJo) made their first contribution\n"
    )
    assert labelled(text, "USERNAME") == ["@mkovacs", "@RiverJo", "RiverJo"]


# PASSWORD -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "taps = firwin(numtaps, pass_zero='bandpass')",
        "    PASS = 20",
        "E_PASSPHRASE_CHANGE_DENIED: Final = -2144272191",
        "    password: SecretStr",
        "    client_secret_expires_at: Incomplete",
        "  std::unique_ptr<PassConceptT> Pass;",
        '#error "include <Pass.h> instead"',
        "** All commands identified by 'code' are jumps",
        "        self.key_password = key_password",
        '    "IAMUserChangePassword": "arn:aws:iam::aws:policy/IAMUserChangePassword",',
        '    "AWS::Demo::SecretAttachment": "3bf4404734c82308",',
        "KEYWORDS = ['pass', 'raise', 'return']",
        'MovedAttribute("HTTPPasswordMgrWithRealm", "urllib2", "urllib.request"),',
        '{ "target": "Secret", "source": "response" }',
        "        user, password = 'wile', 'coyote'",
        "ERROR_LSA_SECRET_GONE: Final = 1786",
        "pass_stmt: 'pass'",
        "        self._master_password = val",
        '        password = ":****"',
        "  rediss://[[username]:[password]]@localhost:6379/0",
        "                username, password = pieces",
    ],
)
def test_code_shapes_are_not_passwords(text):
    assert labelled(text, "PASSWORD") == []


@pytest.mark.parametrize(
    "text, value",
    [
        ('creds = ("password", "hunter2")', "hunter2"),
        ("<password>hunter2</password>", "hunter2"),
        ("password = 1234", "1234"),
        ("password = secret123", "secret123"),
        ("GRANT ALL ON db.* TO 'app' IDENTIFIED BY 'Sql!pass9';", "Sql!pass9"),
    ],
)
def test_password_shapes_next_to_those_are_still_found(text, value):
    assert labelled(text, "PASSWORD") == [value]


def test_assignments_on_a_minified_line_are_skipped():
    line = "var a={" + ",".join(f"k{i}:{i}" for i in range(300)) + ',password:"or"};'
    assert labelled(line, "PASSWORD") == []


# KEY ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "    --next-token eyJhY2NvdW50IjoiMTIzIiwic2VlZCI6Ijk4NzYifQ",
        '"NextToken": "eyJOZXh0IjogbnVsbCwgInRydW5jYXRlIjogMn0="',
        '"nextPageToken": "Kq2Vd49TTeNwYcpD8QKT2ynuEbibcQWe2QKrslMG"',
        "        new_lock_token = self.wafv2_store.update_web_acl(",
        'TOKEN: Final = r"[!#$%&\'*+\\-.^_`|~0-9A-Za-z]{1,}"',
        '  "token": "k8s-aws-v1.EXAMPLE_TOKEN_DATA_STRING..."',
        '    "AWS::Demo::ApiKey": "48205d4ffd7feba3",',
        '"encryptionKey": "arn:aws:kms:region-ID:account-ID:alias/aws/s3"',
        '"ClientToken": "so0eNA2uSHUNlHI0S2cJ305GuIX1CezaRd"',
        '_S = b"-----BEGIN OPENSSH PRIVATE KEY-----"\n_E = b"-----END OPENSSH PRIVATE KEY-----"',
        '"Key": "-----BEGIN RSA PRIVATE KEY-----\\nomitted\\n-----END RSA PRIVATE KEY-----"',
    ],
)
def test_cursors_code_shortened_examples_and_schema_hashes_are_not_keys(text):
    assert labelled(text, "KEY") == []


def test_an_authorization_bearer_token_is_still_a_key():
    text = 'headers = {"Authorization": "Bearer q8Lz3Vn0Wm5Rt2Ky7Hx4Pc9Jd1"}'
    assert labelled(text, "KEY") == ["q8Lz3Vn0Wm5Rt2Ky7Hx4Pc9Jd1"]


# ID -------------------------------------------------------------------------------


def test_a_span_of_years_is_not_a_phone_number():
    text = " * Copyright 2011-2019 Twitter, Inc. Licensed under MIT. Contact tel: support"
    assert labelled(text, "ID") == []


def test_a_phone_word_far_back_on_a_minified_line_is_no_context():
    filler = ",".join(f"k{i}:{i}" for i in range(250))
    line = 'var t={type:"tel",' + filler + ',build:"415-555-0123"};'
    assert len(line) > 1000
    assert labelled(line, "ID") == []
    # A phone word just before the number still is.
    near = "var t={" + filler + ',phone:"415-555-0123"};'
    assert labelled(near, "ID") == ["415-555-0123"]
