"""The act codebook: what each of the 20 acts means, two real examples, and what it is not.

Defined once here; `orbit acts` prints it and docs/acts.md is generated from it (a test keeps
every act of model.acts.ACT_KINDS documented). Text only: how an act reads is in acts.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from orbitwatch.model.acts import ACT_KINDS, ActKind


@dataclass(frozen=True, slots=True)
class Entry:
    """One act in the codebook. Examples are (event id, the act as coded there); an act the
    repository's timelines do not use yet has none, and says so rather than invent one."""

    name: str
    definition: str
    not_this: str
    examples: tuple[tuple[str, str], ...] = ()
    subcodes: str = ""  # CAMEO sub-codes whose reading differs from the root's


ENTRIES: tuple[Entry, ...] = (
    Entry(
        "statement",
        "A public statement with no request, promise or judgement in it: a position stated, "
        "a comment, a denial. Intensity 0: it reads nothing.",
        "A statement that criticises is disapprove; one that promises is intend; one that "
        "praises is endorse.",
        (
            (
                "2024-10-kazakhstan-opposes-sanctions-circumvention",
                "KZ statement RU: will not serve as a route around sanctions",
            ),
        ),
    ),
    Entry(
        "appeal",
        "A request or call: for aid, for membership, for troops, for others to stop fighting "
        "or to negotiate (CAMEO 02).",
        "A request made with a threat or an ultimatum is demand; an application that is "
        "granted is the other party's endorse or cooperate. A call on two warring parties for "
        "restraint is mediation, not a pull (see sub-codes).",
        (
            ("2022-03-03-moldova-applies-for-eu-membership", "MD appeal EU: applies to join"),
            ("2022-01-05-kazakhstan-requests-csto-troops", "KZ appeal CSTO: asks for troops"),
        ),
        "0256 (de-escalation), 026 (meet, negotiate), 027 (settle), 028 (accept mediation) "
        "by the pole side read nothing for the country addressed; so does any appeal by the "
        "pole side to a country that fights another party in the same event.",
    ),
    Entry(
        "intend",
        "A promise or stated intention to cooperate, aid, or yield (CAMEO 03): a pledge, a "
        "strategy, a memorandum of intent.",
        "A signed, binding agreement is cooperate; a pledge that is carried out is aid.",
        (
            ("2020-02-us-central-asia-strategy", "US intend KZ+KG+TJ+UZ+TM: a strategy"),
            ("2025-03-26-armenia-law-on-eu-accession-process", "AM intend EU: accession law"),
        ),
    ),
    Entry(
        "consult",
        "Meeting and talking: a visit, a phone call, hosting a summit or forum, mediating, "
        "negotiating (CAMEO 04). A visit is consult, whoever travels.",
        "What is signed at the meeting is cooperate; what is said there is coded by its "
        "content (endorse, disapprove). A summit alone is not cohesion.",
        (
            ("2019-04-03-tokayev-first-foreign-visit-moscow", "KZ consult RU: first visit"),
            ("2023-09-19-c5-plus-1-summit-new-york", "KZ+KG+TJ+TM+UZ consult US: summit"),
        ),
        "045 (mediate) by the pole side reads nothing for the parties it mediates between.",
    ),
    Entry(
        "endorse",
        "Diplomatic support: praise, verbal defence, recognition, granting a status, signing "
        "a declaration without material terms (CAMEO 05).",
        "A treaty with material terms is cooperate; voting against a resolution that condemns "
        "a state defends it: endorse toward that state.",
        (
            (
                "2023-12-14-eu-candidate-status-georgia-talks-ukraine-moldova",
                "EU endorse GE: candidate status",
            ),
            ("2022-03-17-uzbekistan-rejects-donbas-republics", "UZ endorse UA: sovereignty"),
        ),
    ),
    Entry(
        "cooperate",
        "Material cooperation: signing and carrying out agreements, trade and energy deals, "
        "joint exercises, arms sales, joining a bloc's treaty (CAMEO 06). Signing is "
        "cooperate.",
        "A one-way transfer (a loan, a grant, troops sent to help) is aid; a promise not yet "
        "signed is intend.",
        (
            ("2014-05-29-eaeu-treaty-signed-astana", "KZ cooperate RU+BY: founding treaty"),
            ("2022-05-turkey-bayraktar-tb2-kyrgyzstan", "TR cooperate KG: drone sale"),
        ),
    ),
    Entry(
        "aid",
        "Aid given: economic, military or humanitarian, peacekeepers, asylum (CAMEO 07).",
        "A sale is cooperate; a promise of aid is intend.",
        (
            ("2022-05-10-us-security-aid-tajikistan", "US aid TJ: security aid, drones"),
            ("2020-09-14-putin-loan-to-lukashenko-sochi", "RU aid BY: a state loan"),
        ),
    ),
    Entry(
        "yield",
        "Giving way: easing sanctions or restrictions, releasing people, acceding to demands, "
        "a ceasefire, a military withdrawal (CAMEO 08).",
        "A withdrawal is a yield, but it reads by its sub-code: a power pulling its forces "
        "out of a country has lost presence there. Expelling someone else's forces is reduce.",
        (
            ("2023-05-10-russia-restores-visa-free-travel-georgia", "RU yield GE: visas lifted"),
            ("2014-06-03-us-hands-manas-base-to-kyrgyzstan", "US 0874 KG: leaves Manas"),
        ),
        "0873 (demobilise) and 0874 (retreat, withdraw) by the pole side toward a country read "
        "away (lost presence), by a counterweight toward (its presence ends); 0871 "
        "(ceasefire), 0872 (blockade eased), 081 (sanctions eased), 083 (reform), 085 "
        "(embargo eased) read as the root, cooperative.",
    ),
    Entry(
        "investigate",
        "An investigation of crimes, abuses or military action (CAMEO 09).",
        "An accusation without an inquiry is disapprove.",
    ),
    Entry(
        "demand",
        "A demand, with the weight of insistence or consequence behind it (CAMEO 10).",
        "A request without pressure is appeal; a demand with a stated penalty is threaten.",
        (("2024-12-29-aliyev-blames-russia-for-azal-crash", "AZ demand RU: admit guilt"),),
    ),
    Entry(
        "disapprove",
        "Criticism, condemnation, an accusation, an official complaint; summoning an "
        "ambassador to protest (CAMEO 11).",
        "Refusing something is reject; a street protest is protest (14). Voting for a "
        "resolution that condemns a state is disapprove toward that state.",
        (
            ("2024-04-29-tajikistan-summons-russian-ambassador", "TJ disapprove RU: summons"),
            ("2024-02-22-armenia-freezes-csto-participation", "AM disapprove CSTO"),
        ),
    ),
    Entry(
        "reject",
        "Refusing: a proposal, a request, recognition, membership; declining to yield (CAMEO 12).",
        "Cutting an existing tie is reduce; a refusal with a threat is threaten.",
        (
            ("2015-10-06-lukashenko-rejects-russian-air-base", "BY reject RU: no air base"),
            ("2024-11-28-georgia-suspends-eu-accession-talks", "GE reject EU: talks shelved"),
        ),
    ),
    Entry(
        "threaten",
        "A threat: of sanctions, of cutting ties, of force; an ultimatum (CAMEO 13). A threat "
        "to leave a bloc is threaten toward the bloc.",
        "Leaving the bloc is reduce; talk of leaving without a threat is a statement (or a "
        "rule on the tag bloc-exit).",
    ),
    Entry(
        "protest",
        "Protest by a population or a party: demonstrations, strikes, boycotts, blockades by "
        "protesters (CAMEO 14).",
        "A government's official complaint is disapprove.",
    ),
    Entry(
        "posture",
        "A show of military force: alerts, mobilisation, troops massed near a border (CAMEO 15).",
        "Using the force is fight; an exercise with a partner is cooperate.",
    ),
    Entry(
        "reduce",
        "Reducing relations: suspending or leaving a bloc's bodies, cancelling an agreement, "
        "cutting aid, sanctions and embargoes, expelling diplomats or forces (CAMEO 16).",
        "Refusing a new tie is reject; a withdrawal of one's own forces is yield (087x).",
        (
            ("2024-02-22-armenia-freezes-csto-participation", "AM reduce CSTO: freeze"),
            ("2019-06-21-russia-bans-flights-to-georgia", "RU reduce GE: flight ban"),
        ),
    ),
    Entry(
        "coerce",
        "Coercion short of force: seizing property, bans, arrests, deportations, border "
        "closures, annexation decrees (CAMEO 17).",
        "Armed attack is assault or fight.",
        (
            ("2014-03-18-russia-annexes-crimea", "RU coerce UA: annexation"),
            ("2017-10-10-kazakh-kyrgyz-border-standoff", "KZ coerce KG: border regime"),
        ),
    ),
    Entry(
        "assault",
        "Unconventional violence: abduction, assassination, bombing, physical assault (CAMEO 18).",
        "Conventional military force is fight.",
    ),
    Entry(
        "fight",
        "Conventional military force: invasion, shelling, occupation, blockade (CAMEO 19).",
        "A show of force without its use is posture.",
        (
            ("2022-02-24-russia-invades-ukraine", "RU fight UA: invasion"),
            ("2021-04-29-kyrgyz-tajik-border-clashes", "KG fight TJ and TJ fight KG"),
        ),
    ),
    Entry(
        "mass-violence",
        "Unconventional mass violence: mass killings, weapons of mass destruction (CAMEO 20).",
        "Conventional war, however deadly, is fight.",
    ),
)

GENERAL = (
    (
        "Forums and votes",
        "A summit or forum is consult between the parties that meet: the host toward its "
        "guests (RU consult KZ+KG+TJ+UZ+TM for Moscow's forum), or the members toward the "
        "bloc. What a party does there is its own act: a speech that rebukes the pole is "
        "that speaker's disapprove, and gives no reading to the host. A vote is an act toward "
        "the state the resolution is about: for a resolution that condemns Russia, "
        "disapprove RU; against it, endorse RU; an abstention is no act (the rule "
        "un-neutrality reads it, or the analyst).",
    ),
    (
        "Several acts, and several parties",
        "Each act votes once per reading country: one (stance, weight) per stance it takes, "
        'whatever the number of parties typed on its other side, so `reject ["EU", "US"]` '
        'weighs what `reject "EU"` weighs. The votes of an event\'s acts are summed (away +, '
        "toward -); the sign is the stance; the strongest act on the winning side gives the "
        "weight and is named as the source.",
    ),
    (
        "A worked example of a tie",
        "Uzbekistan, 22 October 2021 (2021-10-22-uzbekistan-no-need-to-rejoin-csto): UZ "
        "reject CSTO (reject, -4: away, weight 2) and UZ intend RU (intend, +4: toward, "
        "weight 2). The votes sum to 2 - 2 = 0, so the acts give Uzbekistan no reading: "
        "`orbit show` says that the acts cancelled and lists them, the explanation of UZ's "
        "score lists the event as cancelled, and `orbit check` warns. The analyst read the "
        "event away ([signal.UZ], which settles it and silences the warning). Had the "
        "minister also praised the CSTO (UZ endorse CSTO, toward 2), the sum would be -2: "
        "toward, weight 2, from the first act on that side.",
    ),
    (
        "Sub-national actors",
        "A region, a breakaway authority or a regional leader acting against the capital's "
        "policy is coded with a user-assigned code declared under [countries] in orbit.toml "
        '(XG = "Gagauzia"; only AA, QM-QZ, XA-XZ, ZZ), never as the state. It reads apart '
        "from the state: XG cooperate RU reads toward for XG only, and the state gets no "
        "reading from it (add XG to `watch` to score it). The state's reading comes from the "
        "state's own acts in the event, e.g. MD disapprove XG, or from the analyst.",
    ),
)


def entry(kind: ActKind) -> Entry | None:
    return next((e for e in ENTRIES if e.name == kind.name), None)


def undocumented() -> list[str]:
    """Acts of the act table the codebook misses (a test keeps this empty)."""
    return [kind.name for kind in ACT_KINDS if entry(kind) is None]
