"""The CONSORT 2025 checklist, item by item, and the WHO Trial Registration Data Set's items.

CONSORT 2025's wording is Table 1 of Hopewell S, Chan A-W, Collins GS, et al. *CONSORT 2025
statement: updated guideline for reporting randomised trials.* PLOS Medicine
2025;22(4):e1004587 (doi:10.1371/journal.pmed.1004587), open access under the Creative
Commons Attribution licence. The cluster notes paraphrase the CONSORT extension to cluster
randomised trials (Campbell MK, Piaggio G, Elbourne DR, Altman DG; BMJ 2012;345:e5661), which
was written for CONSORT 2010: they say what a cluster trial adds to the matching 2025 item.

The WHO Trial Registration Data Set (version 1.3.1) lists the 24 items every registry in the
WHO network (ISRCTN among them) records.
"""

from __future__ import annotations

#: (number, topic, CONSORT 2025 wording).
CONSORT_2025: tuple[tuple[str, str, str], ...] = (
    ("1a", "Title and structured abstract", "Identification as a randomised trial"),
    ("1b", "Title and structured abstract",
     "Structured summary of the trial design, methods, results, and conclusions"),
    ("2", "Trial registration",
     "Name of trial registry, identifying number (with URL) and date of registration"),
    ("3", "Protocol and statistical analysis plan",
     "Where the trial protocol and statistical analysis plan can be accessed"),
    ("4", "Data sharing",
     "Where and how the individual de-identified participant data (including data dictionary), "
     "statistical code and any other materials can be accessed"),
    ("5a", "Funding and conflicts of interest",
     "Sources of funding and other support (e.g., supply of drugs), and role of funders in the "
     "design, conduct, analysis and reporting of the trial"),
    ("5b", "Funding and conflicts of interest",
     "Financial and other conflicts of interest of the manuscript authors"),
    ("6", "Background and rationale", "Scientific background and rationale"),
    ("7", "Objectives", "Specific objectives related to benefits and harms"),
    ("8", "Patient and public involvement",
     "Details of patient or public involvement in the design, conduct and reporting of the trial"),
    ("9", "Trial design",
     "Description of trial design including type of trial (e.g., parallel group, crossover), "
     "allocation ratio, and framework (e.g., superiority, equivalence, non-inferiority, "
     "exploratory)"),
    ("10", "Changes to trial protocol",
     "Important changes to the trial after it commenced including any outcomes or analyses that "
     "were not prespecified, with reason"),
    ("11", "Trial setting",
     "Settings (e.g., community, hospital) and locations (e.g., countries, sites) where the trial "
     "was conducted"),
    ("12a", "Eligibility criteria", "Eligibility criteria for participants"),
    ("12b", "Eligibility criteria",
     "If applicable, eligibility criteria for sites and for individuals delivering the "
     "interventions (e.g., surgeons, physiotherapists)"),
    ("13", "Intervention and comparator",
     "Intervention and comparator with sufficient details to allow replication. If relevant, "
     "where additional materials describing the intervention and comparator (e.g., intervention "
     "manual) can be accessed"),
    ("14", "Outcomes",
     "Prespecified primary and secondary outcomes, including the specific measurement variable "
     "(e.g., systolic blood pressure), analysis metric (e.g., change from baseline, final value, "
     "time to event), method of aggregation (e.g., median, proportion), and time point for each "
     "outcome"),
    ("15", "Harms",
     "How harms were defined and assessed (e.g., systematically, non-systematically)"),
    ("16a", "Sample size",
     "How sample size was determined, including all assumptions supporting the sample size "
     "calculation"),
    ("16b", "Sample size", "Explanation of any interim analyses and stopping guidelines"),
    ("17a", "Sequence generation",
     "Who generated the random allocation sequence and the method used"),
    ("17b", "Sequence generation",
     "Type of randomisation and details of any restriction (e.g., stratification, blocking and "
     "block size)"),
    ("18", "Allocation concealment mechanism",
     "Mechanism used to implement the random allocation sequence (e.g., central "
     "computer/telephone; sequentially numbered, opaque, sealed containers), describing any steps "
     "to conceal the sequence until interventions were assigned"),
    ("19", "Implementation",
     "Whether the personnel who enrolled and those who assigned participants to the "
     "interventions had access to the random allocation sequence"),
    ("20a", "Blinding",
     "Who was blinded after assignment to interventions (e.g., participants, care providers, "
     "outcome assessors, data analysts)"),
    ("20b", "Blinding",
     "If blinded, how blinding was achieved and description of the similarity of interventions"),
    ("21a", "Statistical methods",
     "Statistical methods used to compare groups for primary and secondary outcomes, including "
     "harms"),
    ("21b", "Statistical methods",
     "Definition of who is included in each analysis (e.g., all randomised participants), and in "
     "which group"),
    ("21c", "Statistical methods", "How missing data were handled in the analysis"),
    ("21d", "Statistical methods",
     "Methods for any additional analyses (e.g., subgroup and sensitivity analyses), "
     "distinguishing prespecified from post hoc"),
    ("22a", "Participant flow",
     "For each group, the numbers of participants who were randomly assigned, received intended "
     "intervention, and were analysed for the primary outcome"),
    ("22b", "Participant flow",
     "For each group, losses and exclusions after randomisation, together with reasons"),
    ("23a", "Recruitment",
     "Dates defining the periods of recruitment and follow-up for outcomes of benefits and harms"),
    ("23b", "Recruitment", "If relevant, why the trial ended or was stopped"),
    ("24a", "Intervention and comparator delivery",
     "Intervention and comparator as they were actually administered (e.g., where appropriate, "
     "who delivered the intervention/comparator, how participants adhered, whether they were "
     "delivered as intended (fidelity))"),
    ("24b", "Intervention and comparator delivery",
     "Concomitant care received during the trial for each group"),
    ("25", "Baseline data",
     "A table showing baseline demographic and clinical characteristics for each group"),
    ("26", "Numbers analysed, outcomes and estimation",
     "For each primary and secondary outcome, by group: the number of participants included in "
     "the analysis; the number of participants with available data at the outcome time point; "
     "result for each group, and the estimated effect size and its precision (such as 95% "
     "confidence interval); for binary outcomes, presentation of both absolute and relative "
     "effect size"),
    ("27", "Harms", "All harms or unintended events in each group"),
    ("28", "Ancillary analyses",
     "Any other analyses performed, including subgroup and sensitivity analyses, distinguishing "
     "prespecified from post hoc"),
    ("29", "Interpretation",
     "Interpretation consistent with results, balancing benefits and harms, and considering "
     "other relevant evidence"),
    ("30", "Limitations",
     "Trial limitations, addressing sources of potential bias, imprecision, generalisability, "
     "and, if relevant, multiplicity of analyses"),
)  # fmt: skip

#: What the cluster extension adds to a 2025 item (paraphrased; see the module docstring).
CLUSTER_NOTES: dict[str, str] = {
    "1a": "say the trial randomised clusters",
    "7": "say whether objectives concern clusters, individuals or both",
    "9": "the rationale for randomising clusters",
    "12a": "eligibility of clusters as well as of individuals",
    "14": "whether each outcome is measured at cluster or individual level",
    "16a": "the cluster size (and its variation) and the ICC assumed",
    "17b": "stratification or matching of clusters",
    "19": "who enrolled clusters, who enrolled individuals, and how and when consent was sought",
    "21a": "how clustering was taken into account",
    "22a": "clusters as well as individuals at each stage",
    "25": "baseline characteristics of clusters as well as individuals",
    "26": "the observed ICC for each primary outcome",
}

#: The WHO Trial Registration Data Set (v1.3.1): (number, item).
WHO_TRDS: tuple[tuple[int, str], ...] = (
    (1, "Primary registry and trial identifying number"),
    (2, "Date of registration in primary registry"),
    (3, "Secondary identifying numbers"),
    (4, "Source(s) of monetary or material support"),
    (5, "Primary sponsor"),
    (6, "Secondary sponsor(s)"),
    (7, "Contact for public queries"),
    (8, "Contact for scientific queries"),
    (9, "Public title"),
    (10, "Scientific title"),
    (11, "Countries of recruitment"),
    (12, "Health condition(s) or problem(s) studied"),
    (13, "Intervention(s)"),
    (14, "Key inclusion and exclusion criteria"),
    (15, "Study type"),
    (16, "Date of first enrolment"),
    (17, "Sample size"),
    (18, "Recruitment status"),
    (19, "Primary outcome(s)"),
    (20, "Key secondary outcomes"),
    (21, "Ethics review"),
    (22, "Completion date"),
    (23, "Summary results"),
    (24, "IPD sharing statement"),
)


def who_registration(values: dict[int, str | None], blank: str) -> tuple[list[str], list[str]]:
    """The reporting pack's WHO Trial Registration Data Set section: a row for each item with
    its value from ``values`` (by item number), ``blank`` where there is none, then the items
    to add before registering. Returns the Markdown lines and those missing items."""
    lines = ["## 6. WHO Trial Registration Data Set (for ISRCTN)", "",
             "| No | Item | Value |", "| --- | --- | --- |"]  # fmt: skip
    missing = []
    for n, item in WHO_TRDS:
        value = values.get(n)
        if value is None:
            missing.append(f"{n}. {item}")
        cell = " ".join(value.replace("|", "/").split()) if value else blank
        lines.append(f"| {n} | {item} | {cell} |")
    lines += ["", "Missing, to add before registering: " + "; ".join(missing) + ".", ""]
    return lines, missing
