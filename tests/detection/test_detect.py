"""The rule-based detector on realistic code, category by category (pure, no DB)."""

from itertools import pairwise

import pytest

from annotator.detection import detect


def found(text: str) -> list[tuple[str, str]]:
    return [(text[s.start : s.end], s.label) for s in detect(text)]


def labelled(text: str, label: str) -> list[str]:
    return [value for value, kind in found(text) if kind == label]


def context_of(text: str, value: str) -> str:
    start = text.index(value)
    return next(s.context for s in detect(text) if s.start == start)


# EMAIL ------------------------------------------------------------------------


def test_email_span_excludes_mailto_and_brackets():
    text = '<a href="mailto:maria.garcia@gmail.com">write</a> (Bo Li <bo.li@corp.io>)'
    assert labelled(text, "EMAIL") == ["maria.garcia@gmail.com", "bo.li@corp.io"]


@pytest.mark.parametrize(
    "text",
    [
        "Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com",
        '"dependencies": {"lodash@4.17.21": "x"}',
        "git clone git@github.com:acme/widgets.git",
        'background: url("icon@2x.png");',
    ],
)
def test_email_lookalikes_are_not_emails(text):
    assert labelled(text, "EMAIL") == []


def test_obfuscated_email_is_one_span():
    text = "# Contact: jane at example dot org for access"
    assert labelled(text, "EMAIL") == ["jane at example dot org"]


def test_prose_with_at_is_not_an_obfuscated_email():
    assert labelled("# hosted at github.com since 2019", "EMAIL") == []


def test_email_contexts_license_placeholder_real():
    text = (
        "# Copyright 2020 Maria Garcia <maria@garcia.dev>\n"
        "# Licensed under the MIT license.\n\n"
        'DEFAULT_FROM = "noreply@example.com"\n'
        'ADMINS = [("Ops", "ops-team@bigcorp.de")]\n'
    )
    assert context_of(text, "maria@garcia.dev") == "license"
    assert context_of(text, "noreply@example.com") == "placeholder"
    assert context_of(text, "ops-team@bigcorp.de") == "real"


# IP_ADDRESS ---------------------------------------------------------------------


def test_ipv4_span_excludes_port_and_quotes():
    assert labelled('REDIS = "10.1.2.3:6379"', "IP_ADDRESS") == ["10.1.2.3"]


def test_ipv6_span_excludes_brackets_port_zone_and_prefix():
    text = "curl http://[2001:db8::8a2e:370:7334]:8080/ ; ping fe80::1%eth0 ; route 2001:db8:1::/48"
    assert labelled(text, "IP_ADDRESS") == ["2001:db8::8a2e:370:7334", "fe80::1", "2001:db8:1::"]


@pytest.mark.parametrize(
    "text",
    [
        'version = "1.2.3.4"',
        '__version__ = "2.0.1.7"',
        '[assembly: AssemblyVersion("1.0.0.0")]',
        "snmpget -v2c host 1.3.6.1.4.1.2021.10.1.3.1",
        'released = "2021.01.02"',
        "listen 127.0.0.1; bind 0.0.0.0; ::1 and ::",
        "netmask 255.255.255.0",
        "ether 00:1a:2b:3c:4d:5e",
        "ts=12:30:45.120",
        "std::vector<int> v; x = a[1::2]",
    ],
)
def test_not_ip_addresses(text):
    assert labelled(text, "IP_ADDRESS") == []


def test_private_and_documentation_ranges_are_labelled():
    text = "hosts:\n  - 192.168.0.10\n  - 203.0.113.7\nallow 172.16.5.4/12"
    assert labelled(text, "IP_ADDRESS") == ["192.168.0.10", "203.0.113.7", "172.16.5.4"]


# KEY --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, value",
    [
        ('aws_access_key_id = "AKIAIOSFODNN7EXAMPLE"', "AKIAIOSFODNN7EXAMPLE"),
        (
            "GITHUB_TOKEN=ghp_16C7e42F292c6912E7710c838347Ae178B4a",
            "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
        ),
        ('token: "glpat-Xk2vY8hQ4mNpR7sT1wZ3"', "glpat-Xk2vY8hQ4mNpR7sT1wZ3"),
        (
            "const stripe = Stripe('sk_live_51H8xYzAbCdEfGhIjKlMnOp');",
            "sk_live_51H8xYzAbCdEfGhIjKlMnOp",
        ),
        (
            '$key = "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY";',
            "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",
        ),
        (
            'SLACK = "xoxb-2817432-1938475610-AbCdEfGhIjKlMnOpQrStUvWx"',
            "xoxb-2817432-1938475610-AbCdEfGhIjKlMnOpQrStUvWx",
        ),
    ],
)
def test_known_token_formats(line, value):
    assert labelled(line, "KEY") == [value]


def test_high_entropy_secret_assigned_to_key_name():
    text = "SECRET_KEY = 'k9#x2$Lq8!vZ0pWm4nR7tY1uE5'\nsecret_key_base: 'f3b8a1c9d2e47f60b5a3'"
    assert labelled(text, "KEY") == ["k9#x2$Lq8!vZ0pWm4nR7tY1uE5", "f3b8a1c9d2e47f60b5a3"]


def test_jwt_in_authorization_header():
    jwt = (
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
        "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
    )
    assert labelled(f'headers = {{"Authorization": "Bearer {jwt}"}}', "KEY") == [jwt]


def test_private_key_block_is_one_span_and_public_blocks_are_not_keys():
    private = (
        "-----BEGIN RSA PRIVATE KEY-----\n"
        "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
        "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n"
        "-----END RSA PRIVATE KEY-----"
    )
    public = (
        "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n"  # noqa: E501
        "-----END PUBLIC KEY-----\n-----BEGIN CERTIFICATE-----\n"
        "MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n-----END CERTIFICATE-----"  # noqa: E501
    )
    assert labelled(f'KEY = """{private}"""\n{public}', "KEY") == [private]


def test_truncated_private_key_ends_at_its_last_body_line():
    text = (
        "-----BEGIN OPENSSH PRIVATE KEY-----\n"
        "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
        "QyNTUxOQAAACDgCmZ7cqXwQhmX1s8Ry7mFRf3S9a0bVN3ZsUeVPyY8cAAAAJgXvCxUF7ws\n"
        "\ndef next_function():\n    pass\n"
    )
    (key,) = labelled(text, "KEY")
    assert key.startswith("-----BEGIN") and key.endswith("F7ws")


def test_ssh_public_key_without_its_comment():
    blob = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
    text = f"ssh-ed25519 {blob} jdoe@laptop"
    assert found(text) == [(f"ssh-ed25519 {blob}", "KEY"), ("jdoe", "USERNAME")]


@pytest.mark.parametrize(
    "text",
    [
        'sha1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709"',
        'digest = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"',
        'request_id = "123e4567-e89b-12d3-a456-426614174000"',
        'api_key = "your-api-key-here"',
        "API_TOKEN=<YOUR_TOKEN>",
        'img.src = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk";',  # noqa: E501
        'token_type = "bearer_access_token"',
        'cache_key = "user:profile:42:avatar"',
        "!function(e){var t={};function n(r){if(t[r])return t[r].exports;var o=t[r]={i:r,l:!1};return e[r].call(o.exports,o,o.exports,n)}}",  # noqa: E501
    ],
)
def test_not_keys(text):
    assert labelled(text, "KEY") == []


# PASSWORD ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [
        ('password = "hunter2"', "hunter2"),
        ('db.connect(host="db", user="svc", password="Tr0ub4dor&3")', "Tr0ub4dor&3"),
        ("$config[\"db_pass\"] = 's3cr3t!';", "s3cr3t!"),
        ("spring.datasource.password=changeit", "changeit"),
        ("database:\n  password: Pa55w0rd\n", "Pa55w0rd"),
        ("MYSQL_ROOT_PASSWORD=rootpw123", "rootpw123"),
        ('conn = "Server=db;User Id=app;Password=Winter2024!;"', "Winter2024!"),
        ("mysql -u deploy -pS3cret! shop", "S3cret!"),
        ("sshpass -p 'qwerty123' ssh deploy@10.0.0.2", "qwerty123"),
        ("./manage --password=letmein42 --verbose", "letmein42"),
        ('cfg := Config{User: "app", Password: "gopher42"}', "gopher42"),
        ('user.setPassword("javaPass1");', "javaPass1"),
        ("CREATE USER 'app'@'%' IDENTIFIED BY 'Sql!pass9';", "Sql!pass9"),
    ],
)
def test_passwords(text, value):
    assert value in labelled(text, "PASSWORD")


def test_password_in_url_userinfo_and_user_part():
    text = 'DATABASE_URL = "postgres://mwilliams:Xy7!kq@10.0.0.5:5432/app"'
    assert found(text) == [
        ("mwilliams", "USERNAME"),
        ("Xy7!kq", "PASSWORD"),
        ("10.0.0.5", "IP_ADDRESS"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        'password = "${PASSWORD}"',
        "password: {{ vault_db_password }}",
        'dsn = "host=%(host)s password=%(password)s"',
        'PASSWORD = os.environ["PASSWORD"]',
        "password = os.getenv('DB_PASSWORD')",
        'password = "********"',
        'password = ""',
        "def login(username, password=None):",
        'password_label = "Enter your password"',
        'placeholder="Password" type="password"',
        'password = "notarealpassword"',
        "login(user, password=password)",
        "password = request.POST['password']",
        "redis://:@localhost:6379/0",
    ],
)
def test_not_passwords(text):
    assert labelled(text, "PASSWORD") == []


# NAME -------------------------------------------------------------------------


def test_names_in_license_header_and_author_fields():
    text = (
        "/*\n * Copyright (c) 2012-2016 Jan van der Berg and Sofia Rossi\n"
        " * Licensed under the Apache License, Version 2.0\n */\n"
        "package org.acme;\n/**\n * @author Wei Zhang\n */\n"
    )
    assert labelled(text, "NAME") == ["Jan van der Berg", "Sofia Rossi", "Wei Zhang"]
    assert {s.context for s in detect(text) if s.label == "NAME"} == {"license"}


def test_python_author_dunder_and_setup_fields():
    text = '__author__ = "Maria Garcia"\nsetup(name="pkg", author="Oliver Brown", author_email="ob@brown.me")'  # noqa: E501
    assert labelled(text, "NAME") == ["Maria Garcia", "Oliver Brown"]


@pytest.mark.parametrize(
    "text",
    [
        "# Copyright 2018 Google LLC",
        "// Copyright (c) The Foo Authors. All rights reserved.",
        "Licensed to the Apache Software Foundation (ASF) under one",
        "# Copyright (c) Microsoft Corporation.",
        "@author Administrator",
    ],
)
def test_organisations_are_not_names(text):
    assert labelled(text, "NAME") == []


def test_john_doe_is_a_placeholder_name():
    text = 'user = User(name="John Doe", email="john.doe@example.com")'
    assert context_of(text, "John Doe") == "placeholder"
    assert context_of(text, "john.doe@example.com") == "placeholder"


# USERNAME ---------------------------------------------------------------------


def test_usernames_from_profiles_mentions_homes_and_cvs():
    text = (
        "# Maintainer: https://github.com/mwilliams\n"
        "# TODO(@kpatel): drop this once upstream merges\n"
        'LOG = "/home/dkowalski/logs"\n'
        'CACHE = "C:\\\\Users\\\\ahmed\\\\AppData"\n'
        "# $Author: rjones $\n"
    )
    assert labelled(text, "USERNAME") == ["mwilliams", "@kpatel", "dkowalski", "ahmed", "rjones"]


@pytest.mark.parametrize(
    "text",
    [
        "/**\n * @param name the name\n * @return the value\n */",
        "@Override\npublic void run() {}",
        "@property\ndef name(self):",
        "class Scanner\n  def initialize\n    @scanner = StringScanner.new(src)\n",
        'import "@angular/core";',
        'user = "root"\nusername: postgres\nUSER=admin',
        "See https://github.com/kubernetes/kubernetes/issues/1",
        "cd /home/user/app && ls /home/$USER",
    ],
)
def test_not_usernames(text):
    assert labelled(text, "USERNAME") == []


def test_fixture_usernames_are_placeholders():
    text = 'client.login(username="alice", password="Secr3t!x")'
    assert context_of(text, "alice") == "placeholder"


# ID ---------------------------------------------------------------------------


def test_ids_account_customer_and_phone():
    text = (
        'QUEUE = "arn:aws:sqs:us-east-1:123456789012:orders"\n'
        'customer = stripe.Customer.retrieve("cus_J5vTq2Z8wXyAbc")\n'
        'SUPPORT_PHONE = "+44 20 7946 0958"\n'
    )
    assert labelled(text, "ID") == ["123456789012", "cus_J5vTq2Z8wXyAbc", "+44 20 7946 0958"]


@pytest.mark.parametrize(
    "text",
    [
        "timeout = 30000\nmax_bytes = 1048576",
        'released = "2021-01-02"',
        'version = "10.2.3"',
        'masked = "acct_xxxxxxxx"',
    ],
)
def test_not_ids(text):
    assert labelled(text, "ID") == []


# Whole-detector properties --------------------------------------------------------


def test_spans_are_sorted_and_never_overlap():
    text = (
        'url = "https://deploy:ghp_16C7e42F292c6912E7710c838347Ae178B4a@github.com/a/b"\n'
        "# Written by Maria Garcia <maria.garcia@gmail.com>\n"
    )
    spans = detect(text)
    assert [s.start for s in spans] == sorted(s.start for s in spans)
    assert all(a.end <= b.start for a, b in pairwise(spans))
    assert ("ghp_16C7e42F292c6912E7710c838347Ae178B4a", "KEY") in found(text)


def test_empty_text_has_no_spans():
    assert detect("") == []
