"""The account map (src/iamlab/diagrams/account_map.py), read through its DOT source."""

from __future__ import annotations

import pytest

import iamlab
from iamlab.diagrams import account_map, style

SHOP = "111122223333"
PARTNER = "444455556666"


def nid(kind: str, name: str, account: str = SHOP) -> str:
    return style.node_id(kind, account, name)


def test_maria_is_drawn_as_a_member_of_baristas(coffee_shop_lab, edge_line):
    """Is there a "member of" arrow from maria to the Baristas group (its tooltip says so)?"""
    source = account_map(coffee_shop_lab).source
    line = edge_line(source, nid("user", "maria"), nid("group", "Baristas"))
    assert 'tooltip="maria is a member of Baristas"' in line


def test_every_user_group_and_role_of_the_shop_has_a_node(coffee_shop_lab, node_line):
    """Does every identity of both accounts appear, with its kind in words?"""
    source = account_map(coffee_shop_lab).source
    for account in coffee_shop_lab.accounts.values():
        for user in account.users.values():
            assert "IAM user" in node_line(source, nid("user", user.name, account.id))
        for group in account.groups.values():
            assert "IAM group" in node_line(source, nid("group", group.name, account.id))
        for role in account.roles.values():
            assert "IAM role" in node_line(source, nid("role", role.name, account.id))
        assert "root user" in node_line(source, nid("root", "root", account.id))


def test_ec2_may_assume_the_order_app_role(coffee_shop_lab, edge_line):
    """Does the trust edge from ec2.amazonaws.com to OrderAppServer exist?"""
    source = account_map(coffee_shop_lab).source
    line = edge_line(
        source, style.node_id("service", "", "ec2.amazonaws.com"), nid("role", "OrderAppServer")
    )
    assert "may assume (trust policy)" in line
    assert "ec2.amazonaws.com" in source


def test_lambda_may_not_assume_the_order_app_role(coffee_shop_lab):
    """Is no trust edge drawn that the trust policy does not grant?"""
    source = account_map(coffee_shop_lab).source
    lambda_id = style.node_id("service", "", "lambda.amazonaws.com")
    assert f"{lambda_id} -> {nid('role', 'OrderAppServer')}" not in source
    assert f"{lambda_id} -> {nid('role', 'RecipeBackupFunction')}" in source


def test_the_partner_account_may_assume_partner_auditor_with_an_external_id(
    coffee_shop_lab, edge_line
):
    """Does the cross-account trust edge start at the partner account and note the ExternalId?"""
    source = account_map(coffee_shop_lab).source
    line = edge_line(
        source, style.node_id("account", PARTNER, "account"), nid("role", "PartnerAuditor")
    )
    assert "may assume" in line
    assert "ExternalId required" in line


def test_break_glass_trust_notes_mfa(coffee_shop_lab, edge_line):
    """Does the BreakGlassAdmin trust edge say that MFA is required?"""
    source = account_map(coffee_shop_lab).source
    line = edge_line(
        source, style.node_id("account", SHOP, "account"), nid("role", "BreakGlassAdmin")
    )
    assert "MFA required" in line


def test_users_whose_policies_allow_assume_role_get_a_can_assume_edge(coffee_shop_lab):
    """Do the baristas, and only they, get a "can assume" arrow to CoffeeMachineOperator?"""
    source = account_map(coffee_shop_lab).source
    role = nid("role", "CoffeeMachineOperator")
    for name in ("maria", "diego", "priya"):
        assert f"{nid('user', name)} -> {role}" in source
    for name in ("alex", "jordan", "ci-deployer"):
        assert f"{nid('user', name)} -> {role}" not in source


def test_a_managed_policy_is_one_node_shared_by_everything_it_is_attached_to(coffee_shop_lab):
    """Focused on ReadRecipes's owner, is ReadRecipes drawn once, attached to both roles?"""
    source = account_map(coffee_shop_lab, focus="OrderAppServer").source
    assert f"{nid('role', 'RecipeBackupFunction')} [" not in source  # not connected: not drawn
    source = "\n".join(
        account_map(coffee_shop_lab, focus=role).source
        for role in ("OrderAppServer", "RecipeBackupFunction")
    )
    assert source.count(f"\t\t{nid('policy', 'ReadRecipes')} [") == 2  # once in each view
    policy = nid("policy", "ReadRecipes")
    policy = nid("policy", "ReadRecipes")
    assert f"{nid('role', 'OrderAppServer')} -> {policy}" in source
    assert f"{nid('role', 'RecipeBackupFunction')} -> {policy}" in source


def test_the_whole_map_lists_policies_in_their_owners_nodes(coffee_shop_lab, node_line):
    """Without focus, does each identity's node list its managed and inline policies?"""
    source = account_map(coffee_shop_lab).source
    backup = node_line(source, nid("role", "RecipeBackupFunction"))
    assert "managed: ReadRecipes" in backup and "inline: WriteBackups" in backup
    assert f"{nid('policy', 'ReadRecipes')} [" not in source


def test_inline_policies_and_boundaries_are_listed(coffee_shop_lab, node_line, edge_line):
    """Are jordan's inline policy and permissions boundary both on the map?"""
    source = account_map(coffee_shop_lab).source
    jordan = nid("user", "jordan")
    assert "inline: ContractorWork" in node_line(source, jordan)
    line = edge_line(source, jordan, nid("policy", "ContractorBoundary"))
    assert "has the permissions boundary" in line and "style=dashed" in line


def test_resource_policies_become_allow_and_deny_arrows(coffee_shop_lab, edge_line):
    """Are bucket-policy statements drawn with their effect in words, a Deny in vermilion?"""
    source = account_map(coffee_shop_lab).source
    recipes = nid("resource", "arn:aws:s3:::coffee-recipes")
    deny = edge_line(source, "anyone", recipes)
    assert "✖ Deny" in deny and "if not HTTPS" in deny and style.VERMILION in deny
    invoices = nid("resource", "arn:aws:s3:::coffee-invoices")
    allow = edge_line(source, nid("role", "PartnerAuditor"), invoices)
    assert "✔ Allow" in allow and "s3:GetObject" in allow


def test_each_account_is_its_own_cluster(coffee_shop_lab):
    """Do both accounts get a box with their name and ID?"""
    source = account_map(coffee_shop_lab).source
    assert f"subgraph cluster_{SHOP}" in source
    assert f"subgraph cluster_{PARTNER}" in source
    assert f"coffee-shop (account {SHOP})" in source
    assert f"bean-supplier (account {PARTNER})" in source
    olu_at = source.index(nid("user", "olu", PARTNER) + " [")
    assert olu_at > source.index(f"subgraph cluster_{PARTNER}")


def test_focus_draws_the_principal_and_what_reaches_it_only(coffee_shop_lab, node_line):
    """With focus on maria, is she highlighted, her group, its policy and the role she can
    assume drawn, and an unrelated user and role left out?"""
    source = account_map(coffee_shop_lab, focus="maria").source
    maria = node_line(source, nid("user", "maria"))
    assert "(in focus)" in maria and "penwidth=3" in maria
    for kept in (
        nid("group", "Baristas"),
        nid("policy", "BaristaTools"),
        nid("role", "CoffeeMachineOperator"),
    ):
        assert f"{kept} [" in source
    assert f"{nid('user', 'alex')} [" not in source
    assert f"{nid('role', 'BreakGlassAdmin')} [" not in source
    assert "focus on maria" in source


def test_a_role_focus_shows_who_may_assume_it(coffee_shop_lab):
    """Focused on CoffeeMachineOperator, are the three baristas who can assume it drawn?"""
    source = account_map(coffee_shop_lab, focus="role/CoffeeMachineOperator").source
    role = nid("role", "CoffeeMachineOperator")
    for name in ("maria", "diego", "priya"):
        assert f"{nid('user', name)} -> {role}" in source
    assert f"{nid('user', 'alex')} [" not in source


def test_a_group_focus_shows_its_members_and_policies(coffee_shop_lab):
    """Focused on Baristas, are its three members and its managed policy drawn?"""
    source = account_map(coffee_shop_lab, focus="group/Baristas").source
    for name in ("maria", "diego", "priya"):
        assert f"{nid('user', name)} -> {nid('group', 'Baristas')}" in source
    assert f"{nid('policy', 'BaristaTools')} [" in source
    assert f"{nid('user', 'olu', PARTNER)} [" not in source


def test_without_focus_nothing_is_dimmed(coffee_shop_lab):
    """Is the plain map free of dimmed nodes?"""
    assert style.DIM_FILL not in account_map(coffee_shop_lab).source


@pytest.mark.parametrize(
    ("focus", "node"),
    [
        ("role/PartnerAuditor", nid("role", "PartnerAuditor")),
        ("arn:aws:iam::444455556666:user/olu", nid("user", "olu", PARTNER)),
        ("group/Managers", nid("group", "Managers")),
        ("root", nid("root", "root")),
        ("arn:aws:s3:::coffee-invoices", nid("resource", "arn:aws:s3:::coffee-invoices")),
    ],
)
def test_focus_accepts_role_names_arns_groups_root_and_resources(
    coffee_shop_lab, node_line, focus, node
):
    """Can the focus be written as role/NAME, an ARN, group/NAME, root or a resource ARN?"""
    source = account_map(coffee_shop_lab, focus=focus).source
    assert "(in focus)" in node_line(source, node)


def test_an_unknown_focus_says_what_it_accepts(coffee_shop_lab):
    """Does a focus that names nothing raise an iamlab error that names it?"""
    with pytest.raises(iamlab.UnknownPrincipalError, match="nobody"):
        account_map(coffee_shop_lab, focus="nobody")


def test_names_that_are_not_dot_ids_are_made_safe():
    """Do names with dots, @ and colons become unambiguous node IDs (no ports)?"""
    lab = iamlab.Lab.from_dict(
        {
            "account_id": SHOP,
            "users": {"build.bot@ci": {}, "build_bot_ci": {}},
            "roles": {
                "Deployer": {
                    "trust_policy": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"AWS": f"arn:aws:iam::{SHOP}:user/build.bot@ci"},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    }
                }
            },
        }
    )
    source = account_map(lab).source
    odd, plain = nid("user", "build.bot@ci"), nid("user", "build_bot_ci")
    assert odd != plain and ":" not in odd
    assert f"{odd} -> {nid('role', 'Deployer')}" in source
