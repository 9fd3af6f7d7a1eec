"""Known answers from Besu's own documentation and repository: genesis extraData of IBFT 2.0 and QBFT, node key ->
public key (enode id) -> address. Each constant below is copied from the source named next to it."""

import pytest
from besu_gen.errors import NetworkError
from besu_gen.extradata import decode_extra_data, encode_extra_data
from besu_gen.keys import parse_key


def addresses(*hex_addresses: str) -> list[bytes]:
    return [bytes.fromhex(a.removeprefix("0x")) for a in hex_addresses]


# hyperledger/besu-docs, docs/private-networks/how-to/configure/consensus/ibft.md, "Example IBFT 2.0 genesis file"
# (commit faacf35, 2026-03-11): one validator.
IBFT2_DOC_VALIDATORS = addresses("c2ab482b506de561668e07f04547232a72897daf")
IBFT2_DOC_EXTRA_DATA = (
    "0xf83ea00000000000000000000000000000000000000000000000000000000000000000d594c2ab482b506de561668e07f0"
    "4547232a72897daf808400000000c0"
)

# hyperledger/besu-docs, docs/private-networks/how-to/configure/consensus/qbft.md, the genesis file of "Block header
# validator selection" (same commit): four validators.
QBFT_DOC_GENESIS_VALIDATORS = addresses(
    "64a702e6263b7297a96638cac6ae65e6541f4169",
    "3923390ad55e90c237593b3b0e401f3b08a03185",
    "aefdb9a738c9f433e5b6b212a6d62f6370c2f692",
    "c7eeb9a4e00ce683cf93039b212648e01c6c6b78",
)
QBFT_DOC_GENESIS_EXTRA_DATA = (
    "0xf87aa00000000000000000000000000000000000000000000000000000000000000000f8549464a702e6263b7297a96638cac6ae65e6541f"
    "4169943923390ad55e90c237593b3b0e401f3b08a0318594aefdb9a738c9f433e5b6b212a6d62f6370c2f69294c7eeb9a4e00ce683cf93039b"
    "212648e01c6c6b78c080c0"
)

# Same page, "Generate extra data": toEncode.json with four validators and the "RLP encoded data" it gives.
QBFT_DOC_RLP_VALIDATORS = addresses(
    "0x4592c8e45706cc08b8f44b11e43cba0cfc5892cb",
    "0x06e23768a0f59cf365e18c2e0c89e151bcdedc70",
    "0xc5327f96ee02d7bcbc1bf1236b8c15148971e1de",
    "0xab5e7f4061c605820d3744227eed91ff8e2c8908",
)
QBFT_DOC_RLP_EXTRA_DATA = (
    "0xf87aa00000000000000000000000000000000000000000000000000000000000000000f854944592c8e45706cc08b8f44b11e43cba0cfc58"
    "92cb9406e23768a0f59cf365e18c2e0c89e151bcdedc7094c5327f96ee02d7bcbc1bf1236b8c15148971e1de94ab5e7f4061c605820d37442"
    "27eed91ff8e2c8908c080c0"
)

# Same page, the genesis file of "Contract validator selection": no validators in extraData.
QBFT_DOC_CONTRACT_EXTRA_DATA = "0xe5a00000000000000000000000000000000000000000000000000000000000000000c0c080c0"


@pytest.mark.parametrize(
    "consensus,validators,expected",
    [
        ("ibft2", IBFT2_DOC_VALIDATORS, IBFT2_DOC_EXTRA_DATA),
        ("qbft", QBFT_DOC_GENESIS_VALIDATORS, QBFT_DOC_GENESIS_EXTRA_DATA),
        ("qbft", QBFT_DOC_RLP_VALIDATORS, QBFT_DOC_RLP_EXTRA_DATA),
        ("qbft", [], QBFT_DOC_CONTRACT_EXTRA_DATA),
    ],
    ids=["ibft2-genesis-example", "qbft-genesis-example", "qbft-rlp-encode-example", "qbft-contract-example"],
)
def test_extra_data_reproduces_besu_documentation(consensus, validators, expected):
    assert "0x" + encode_extra_data(consensus, validators).hex() == expected
    decoded = decode_extra_data(consensus, bytes.fromhex(expected[2:]))
    assert decoded.validators == validators
    assert (decoded.vanity, decoded.vote, decoded.round, decoded.seals) == (bytes(32), None, 0, [])


def test_the_two_protocols_differ_only_in_how_no_vote_and_round_zero_are_written():
    ibft2 = encode_extra_data("ibft2", QBFT_DOC_RLP_VALIDATORS)
    qbft = encode_extra_data("qbft", QBFT_DOC_RLP_VALIDATORS)
    # list header: 0xf87e (126 bytes of payload) against 0xf87a (122); the payload differs only in its tail
    assert ibft2[2:-7] == qbft[2:-3]
    assert ibft2[-7:] == bytes.fromhex("808400000000c0")  # no vote = empty string, round = 4-byte integer
    assert qbft[-3:] == bytes.fromhex("c080c0")  # no vote = empty list, round = minimal scalar


@pytest.mark.parametrize(
    "consensus,other_form",
    [
        ("qbft", IBFT2_DOC_EXTRA_DATA),
        ("ibft2", QBFT_DOC_RLP_EXTRA_DATA),
    ],
)
def test_each_protocol_refuses_the_other_ones_genesis_form(consensus, other_form):
    with pytest.raises(NetworkError, match="no vote"):
        decode_extra_data(consensus, bytes.fromhex(other_form[2:]))


# hyperledger/besu-docs, docs/global/test_accounts.md: Besu's documented test accounts (private key -> address).
BESU_DOC_TEST_ACCOUNTS = [
    (
        "0x8f2a55949038a9610f50fb23b5883af3b4ecb3c3bb792cbcefbd1542c692be63",
        "0xfe3b557e8fb62b89f4916b721be55ceb828dbd73",
    ),
    (
        "0xc87509a1c067bbde78beb793e6fa76530b6382a4c0241e5e4a9ec0a0f44dc0d3",
        "0x627306090abaB3A6e1400e9345bC60c78a8BEf57",
    ),
    (
        "0xae6ae8e5ccbfb04590405997ee2d52d2b330726137b875053c36d94e974d162f",
        "0xf17f52151EbEF6C7334FAD080c5704D77216b732",
    ),
]


@pytest.mark.parametrize("private_key,address", BESU_DOC_TEST_ACCOUNTS)
def test_address_of_besu_documented_test_accounts(private_key, address):
    assert parse_key(private_key, "doc").address_hex == address.lower()


# besu-eth/besu, acceptance-tests/tests/src/acceptanceTest/resources/qbft/migration-ibft1/: the node keys
# miner<i>key, the public keys Besu wrote for them (miner<i>key.pub) and, in qbft-migration.json of the same folder,
# the genesis extraData (IBFT 1.0 form) whose validator list holds the five nodes' addresses in this order.
BESU_REPO_NODE_KEYS = [
    (
        "0a46b91fe0c770a4355d1fec9ccd72d39264f46a74ed67a69a12ed4c265aa768",
        "8093fb3200c783555ed487b8b5210ef3369b062a1f3ce5762d83d7a62205693d1e4f253e840ca48ec98d8f20c5b41bbbd43f34f87a1f683"
        "24ab51afe73732b96",
        "a18182ee8ca476f2f0fb8170a1d4620edb39c5e1",
    ),
    (
        "17c2aacfdf1f6defde20e6ae7132c6d3991e758af3799a307a75b38135678a48",
        "d81f65976ccc44c5e7e6ca859c5ede06b0f484f72c52d35dd8f7bd7581a8b7020d9ef45878696b4593daf5575b48dda5259f78f192a3445"
        "d5cc97c032660642f",
        "065541903bf3bb8c088a18046b441f5d286288c9",
    ),
    (
        "917fb1b03034e5d7156b89bc2a3bc2aae1d146d2640d75e095f07110b0871bc1",
        "67785a2ac328648d94245abb25bdcfab853d06e68c70026d90f2fd5c8338b65c19235398eac205e4bbdb3fc1de9669ad6309e43ab203c8e"
        "7430664cea6451f56",
        "d1e106d68cac92668b100f6f43791ddcb2c75880",
    ),
    (
        "3b3cbae8c034c4ba2d5f4df44faa013888216a6eabb7fffa0b224003ea770ba7",
        "ec403552908986b5d9e4def3be9ddcb26d5b03def3b44ef2d5d728bb9a3028603405e7379c3e185cb2bc3e784548fcdd0e7616162029c3f"
        "407155b2fb25ba0ca",
        "d156777a1e1539fe654fc82266f41fd5d4aa5484",
    ),
    (
        "4ddfb30d4fcd6f5a9f959961f734e4c1469af223bc16b217eef0d3796e64973d",
        "28c02b375d62b0adef8213b76882dfec264d5dcbb0a8ba73f167bc718a6d02f1833af80ab9f51a5f007e5f3b8320e8fc5ab287d4bd59ad4"
        "97f8949bf4abb9e80",
        "efbbd8900222d7b2f75d081c3e7446a1f4fe10ce",
    ),
]


@pytest.mark.parametrize("private_key,public_key,address", BESU_REPO_NODE_KEYS)
def test_enode_id_and_address_of_besu_repository_node_keys(private_key, public_key, address):
    key = parse_key(private_key, "miner key")
    assert key.enode_id == public_key
    assert key.address_hex == "0x" + address


def test_public_key_of_private_key_one_is_the_curve_generator():
    # SEC 2 v2 (Standards for Efficient Cryptography Group, 2010), §2.4.1: the base point G of secp256k1.
    g_x = "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
    g_y = "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8"
    assert parse_key("0x" + "00" * 31 + "01", "one").enode_id == g_x + g_y
