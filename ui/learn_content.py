"""What the Learn page says: the behaviour models, values, welfare definitions and class plan.

Plain data (no Streamlit), kept apart from the page that draws it. The formulas are the
ones in code — ``agents/emotion`` (stress, burnout, performance), ``agents/productivity``
(output, latency, demand), ``agents/valuation`` (values from production),
``game/world/phases/pressure.py`` (hiring) and ``game/world/welfare.py`` (welfare) — and
follow ``MODEL-REFERENCE.md`` §1, §2, §4, §8 and §11. The list of run metrics itself is
read from ``game.run_metrics.RUN_METRICS`` by the page, so it cannot drift.
"""

from __future__ import annotations

Card = tuple[str, str, list[str], str]
"""(title, plain words, LaTeX formulas, source)."""

BEHAVIOUR: list[Card] = [
    (
        "Stress",
        "Each week a team's stress (0 calm … 1 maximal) is pushed up by its compute deficit "
        "d, deadline urgency u, losing the auction L, envy e of better-off teams and having "
        "tranches reclaimed R. The push is scaled by the room left below 1, so it "
        "saturates. Recovery pulls stress back towards a baseline s₀ (0.1 by default) "
        "whatever the deficit: above the baseline it lowers stress, below it it *raises* "
        "stress a little. Contagion C comes from neighbours in the org network. Because "
        "recovery never switches off, stress = 1 is no trap: under steady pressure D stress "
        "settles at s* below 1.",
        [
            r"s \leftarrow \operatorname{clip}_{[0,1]}\Big(s + \Delta t\,\big[(k_d d + k_u u "
            r"+ k_L L + k_e e + k_R R)(1 - s) - k_r\,(s - s_0)\big] + C\Big)",
            r"d = \max\left(0,\ 1 - \tfrac{\text{held}}{\text{needed}}\right),\qquad "
            r"u = \left(\tfrac{\text{elapsed}}{\text{deadline}}\right)^2,\qquad "
            r"s^\ast = \frac{D + k_r s_0}{D + k_r} < 1",
        ],
        "Job demands–resources: Demerouti, Bakker, Nachreiner & Schaufeli (2001), "
        "*J. Appl. Psychol.* 86. Envy as relative deprivation: Yitzhaki (1979), *QJE* 93. "
        "No absorbing state: MODEL-REFERENCE §11.",
    ),
    (
        "Performance under pressure: monotone by default",
        "Output is multiplied by m(s). By default calm is best and more pressure never "
        "raises output: m falls in a straight line from 1 at s = 0 to the floor m_min (0.6) "
        "at s = 1. Why not the famous Yerkes–Dodson inverted U? Its evidence for complex "
        "work is thin: Teigen (1994) traces how a 1908 study of mice learning a "
        "discrimination task was reconstructed into a general 'law', and Corbett (2015) "
        "finds little support for it in the work-stress literature, where strain mostly "
        "lowers performance. In this game the inverted U also had a perverse effect: teams "
        "sitting below its peak produced *more* when GPUs were taken away. The inverted U "
        "stays available (rules editor → *Productivity* → *Performance curve*).",
        [
            r"m(s) = m_{\min} + (1 - m_{\min})\,(1 - s)\quad\text{(default)}",
            r"m(s) = m_{\min} + (1 - m_{\min})\,\exp\!\left(-\frac{(s - s^\ast)^2}{2w^2}"
            r"\right)\quad\text{(inverted U)}",
        ],
        "Teigen (1994), 'Yerkes–Dodson: a law for all seasons', *Theory & Psychology* 4; "
        "Corbett (2015), 'From law to folklore: work stress and the Yerkes–Dodson Law', "
        "*J. Managerial Psychology* 30; Yerkes & Dodson (1908), *J. Comp. Neurol. Psychol.* 18.",
    ),
    (
        "Burnout, attrition and hiring",
        "Burnout builds while stress is above a threshold θ (0.65) and heals while it is "
        "below, in proportion to the distance from θ; at θ it stays put. Burnout cuts output "
        "by (1 − b) and raises the chance that people leave. Teams hire back towards their "
        "size, but talent goes where the compute is: each missing person is hired with a "
        "weekly probability of the hiring rate times the team's compute satisfaction.",
        [
            r"b \leftarrow \operatorname{clip}_{[0,1]}\Big(b + \Delta t\,\big[a_b \max(0, "
            r"s - \theta)(1 - b) - r_b \max(0, \theta - s)\, b\big]\Big)",
            r"h = h_0 \exp(\kappa_b\, b + \kappa_e\, e)\ \text{(monthly hazard of leaving)},"
            r"\qquad P(\text{hire}) = \text{hiring rate}\cdot\min\!\left(1, "
            r"\tfrac{\text{held}}{\text{needed}}\right)",
        ],
        "Homer (1985), 'Worker burnout: a dynamic model', *System Dynamics Review* 1; "
        "threshold form and hiring: MODEL-REFERENCE §11.",
    ),
    (
        "Contagion: Bosse–Treur",
        "Stress spreads along ties. Sender expressiveness ε, channel strength α and receiver "
        "openness δ set how strongly; the receiver moves towards its neighbours' weighted mean "
        "q*, amplified upwards (η, β) or simply absorbed.",
        [
            r"\gamma_{SR} = \varepsilon_S\,\alpha_{SR}\,\delta_R,\qquad "
            r"q^\ast = \frac{\sum_S \gamma_{SR}\, q_S}{\gamma_R}",
            r"\Delta q_R = \rho\,\frac{\gamma_R}{1+\gamma_R}\Big[\eta\big(\beta(1-(1-q^\ast)"
            r"(1-q_R)) + (1-\beta)\,q^\ast q_R\big) + (1-\eta)\,q^\ast - q_R\Big]",
        ],
        "Bosse, Duell, Memon, Treur & van der Wal (2015), 'Agent-based modeling of emotion "
        "contagion in groups', *Cognitive Computation* 7; ASCRIBE: Hoogendoorn, Treur, "
        "van der Wal & van Wissen (2010).",
    ),
    (
        "Contagion: SISa",
        "Emotions as an infection: a calm team becomes stressed spontaneously (a) or from each "
        "stressed neighbour (β), and calms down at rate g.",
        [
            r"P(\text{calm} \to \text{stressed}) = 1 - e^{-(a + \beta k)},\qquad "
            r"P(\text{stressed} \to \text{calm}) = g"
        ],
        "Hill, Rand, Nowak & Christakis (2010), 'Emotions as infectious diseases in a large "
        "social network: the SISa model', *Proc. R. Soc. B* 277.",
    ),
    (
        "Research output (Cobb–Douglas or CES)",
        "Research progress comes from people L and GPUs G with decreasing returns, scaled by "
        "performance under stress and burnout. Whether people and compute substitute (σ > 1) "
        "or complement each other is disputed, so CES with elasticity σ is an option. A team "
        "between projects explores at a fifth of its rate.",
        [
            r"R = A\, L^{\alpha}\, G^{\beta}\, m(s)\,(1 - b)",
            r"R = A\,\big[\theta L^{\rho} + (1-\theta)\, G^{\rho}\big]^{1/\rho}\,m(s)\,(1-b),"
            r"\qquad \sigma = \frac{1}{1-\rho}",
        ],
        "Cobb & Douglas (1928), *AER* 18; Whitfill & Wu (2025) on compute–labour substitution "
        "in AI research.",
    ),
    (
        "Product latency and value",
        "GPUs become serving capacity C; the closer demand D gets to capacity, the slower the "
        "product (load beyond ρ_max is turned away). Value is in credits: price per user times "
        "users, with the first users served (the paying tiers) worth more than the last (the "
        "free tier) when γ < 1, discounted by latency.",
        [
            r"\rho = \min\!\left(\tfrac{D}{C}, \rho_{\max}\right),\qquad "
            r"T = \frac{S}{(1-\rho)^{k}}",
            r"V = \text{price}\cdot D\cdot\left(\frac{\min(D, C)}{D}\right)^{\gamma} e^{-T/\tau}",
        ],
        "The latency curve is a stand-in for a queue (k = 1 is the M/M/1 mean): Kleinrock, "
        "*Queueing Systems*, vol. 1 (1975). Calibration notes: MODEL-REFERENCE §2.",
    ),
    (
        "Product demand responds to service",
        "Demand grows logistically towards a ceiling K, slowed by poor service, and churns "
        "under bad service: with service quality q = 1 it is plain logistic growth, with no "
        "capacity it only shrinks, by the weekly churn. Users lost do not come back at once: "
        "once service recovers, demand regrows only at the growth rate. Spare capacity opens "
        "the next paid tier, which raises demand by that tier's size.",
        [
            r"q = e^{-(T - S)/\tau},\qquad D \leftarrow D + g\,D\,\max\!\left(0, 1 - "
            r"\tfrac{D}{K}\right) q - c\,(1 - q)\,D",
        ],
        "Growth g ≈ 8–9% a month (ChatGPT's 2025 user growth); latency and churn: "
        "MODEL-REFERENCE §2 and §11.",
    ),
    (
        "Negotiation (Faratin concession)",
        "After the market, teams short of GPUs borrow from teams with a surplus. The borrower "
        "pays up to what the tranches add to its output (raised by stress); the lender wants "
        "at least what they would have produced for it, so a loan happens only when the "
        "borrower's value exceeds the lender's opportunity cost. Each side concedes from its "
        "opening offer towards its reservation price as the deadline nears; β < 1 holds firm "
        "until late (Boulware), β > 1 gives in early (Conceder).",
        [
            r"\alpha(t) = \kappa + (1 - \kappa)\left(\frac{t}{t_{\max}}\right)^{1/\beta}",
            r"\text{offer}(t) = \text{anchor} + \alpha(t)\,(\text{reservation} - \text{anchor})",
        ],
        "Faratin, Sierra & Jennings (1998), *Robotics and Autonomous Systems* 24; Rubinstein "
        "(1982), *Econometrica* 50; scarcity and horizons: Shah, Mullainathan & Shafir (2012).",
    ),
]

VALUES: Card = (
    "Values from production",
    "What is a tranche worth to a team? The output it adds over the lease it is bought for, "
    "in credits, from the team's own situation this week (people, stress, burnout, its "
    "project's remaining work, its product's demand). Research output is converted at "
    "leadership's exchange rate λ (*Values and demand* → *Exchange rate λ*), and only work "
    "the project still needs counts; product value is in credits already. Product value is "
    "S-shaped in capacity (little while demand swamps capacity, steep as latency falls, "
    "flat once all are served), so its raw steps can rise (more users served, then lower "
    "latency); they are *ironed*: replaced by the slopes of the least concave majorant, "
    "which follows the chord to the point of steepest average rise, then again from there, "
    "so a bid book never rises and a block of tranches that only pays off together is valued "
    "at its average. Bids, the committee's "
    "reported needs, loan reservations and every welfare metric use these values; bidding "
    "strategies decide what to make of them.",
    [
        r"v_k = \sum_{t \in \text{lease}} \big[Y_t(G + k) - Y_t(G + k - 1)\big]",
        r"Y^{\text{research}} = \lambda\,\min\!\big(T\,R(G),\ W\big),\qquad "
        r"Y^{\text{product}} = T\,V\big(D, C(G)\big)\,m(s)\,(1-b)",
        r"\tilde v_k = \hat Y(G + k) - \hat Y(G + k - 1),\qquad \hat Y = \text{the least "
        r"concave majorant of } Y \text{ from } G",
        r"\text{first block: slope } \max_{j \ge 1} \frac{Y(G + j) - Y(G)}{j} \text{ up to "
        r"the maximising } j^\ast\text{, then again from } G + j^\ast",
    ],
    "MODEL-REFERENCE §8; ironing as in Myerson (1981), *Math. Oper. Res.* 6.",
)

WELFARE: list[Card] = [
    (
        "Allocative efficiency",
        "The output value of everything the teams hold (online), over the most the week's "
        "usable tranches could produce if shared optimally (greedy on every team's ironed "
        "value curve). 1 = no better split of this week's GPUs existed; true values, never "
        "bids.",
        [
            r"\text{efficiency} = \frac{\sum_i Y_i(G_i)}{\max_{\sum_i g_i \le S_{\text{usable}}}"
            r"\ \sum_i Y_i(g_i)}"
        ],
        "MODEL-REFERENCE §4.",
    ),
    (
        "Nash welfare",
        "The geometric mean of the teams' weekly output values: it rewards a split where "
        "nobody is left with nothing, and is 0 in any week where some team produces nothing.",
        [r"\text{NW} = \Big(\prod_{i=1}^{n} Y_i(G_i)\Big)^{1/n}"],
        "Nash (1950), *Econometrica* 18; Kaneko & Nakamura (1979), *Econometrica* 47.",
    ),
    (
        "Envy",
        "The share of ordered pairs of teams (i, j) where i would produce more with j's "
        "holding than with its own. Since output never falls with more GPUs, this counts "
        "pairs where i holds less than j and one more tranche would still help i.",
        [r"\text{envy} = \frac{\#\{(i, j),\ i \ne j : Y_i(G_j) > Y_i(G_i)\}}{n(n-1)}"],
        "Foley (1967), *Yale Econ. Essays* 7; MODEL-REFERENCE §4.",
    ),
    (
        "Finish-time fairness ρ (Themis)",
        "For each running research project: the time to finish its remaining work W with what "
        "it holds, over the time it would take on a private 1/N share of the usable fleet. "
        "ρ ≤ 1: at least as well off as with a fair private share; ρ > 1: worse. The app "
        "reports the worst ρ (a starved project counts as 10) and the share of projects "
        "with ρ > 1.",
        [
            r"\rho_i = \frac{T_i^{\text{shared}}}{T_i^{\text{alone}}} = "
            r"\frac{W_i / R_i(G_i)}{W_i / R_i(S_{\text{usable}}/N)}"
        ],
        "Mahajan, Balasubramanian, Singhvi, Venkataraman, Akella, Phanishayee & Chawla (2020), "
        "'Themis: fair and efficient GPU cluster scheduling', *NSDI 2020*.",
    ),
    (
        "Jain's index and Gini",
        "Jain's index of how evenly the teams' needs are met (satisfaction x_i = held/needed, "
        "capped at 1): 1 when all are equally satisfied, 1/n when one team has everything. "
        "Gini of GPUs per person: 0 = equal.",
        [
            r"J = \frac{(\sum_i x_i)^2}{n \sum_i x_i^2},\qquad "
            r"G = \frac{\sum_i \sum_j |y_i - y_j|}{2 n^2 \bar y}"
        ],
        "Jain, Chiu & Hawe (1984), DEC-TR-301; Gini (1912).",
    ),
]

WALKTHROUGH: list[tuple[str, tuple[str, ...], str, str, str]] = [
    # (time, presets to load, page they open, title, what to do and ask)
    (
        "0–3 min",
        ("classroom",),
        "explore",
        "Meet the lab",
        "Load **classroom**. Five research teams, three product teams and a reallocation "
        "group share a scarce fleet. Press **Step** three times and read the KPI row: output "
        "value, efficiency, mean stress. Open *Network & teams* and click the reddest node. "
        "Ask: *what made this team stressed — the deficit, a lost auction, or its neighbours?*",
    ),
    (
        "3–6 min",
        (),
        "explore",
        "Relief arrives",
        "Carry on with the same game: press **Play** and watch week 10, when 20,000 GPUs (20 "
        "tranches) go live. Does stress fall everywhere at once? Open *Pressure* (the heat "
        "map) and *Market* (price). Pick a team, choose a week under *Why did I get this?* "
        "and read its bids against the price. Ask: *would it have done better under another "
        "rule on the same bids?*",
    ),
    (
        "6–9 min",
        ("scarcity", "stargate"),
        "explore",
        "Scarcity versus a build-out",
        "Load **scarcity**, press **Run all 52 weeks** and note *Output value* and *Mean "
        "stress* on the KPI row and the clearing price on *Market*. Then load **stargate** "
        "and run it: a huge go-live in week 26. Read the price before and after the go-live, "
        "and output value and stress on *Output & fairness* and *Pressure*. Ask: *prices "
        "fall after the go-live — does stress fall as much? Does doubling the fleet end "
        "the crunch?* (Ambitions grow with the fleet: new projects want more.)",
    ),
    (
        "9–12 min",
        ("stargate",),
        "explore",
        "Idle tranches under abundance",
        "With **stargate** loaded, set the allocation rule to **Equal share**, apply, run "
        "all 52 weeks and note *Idle tranches* and *Allocative efficiency*. Then run it again "
        "under **Max-min fair**, and under the uniform-price market with *Spot pool for "
        "unsold tranches* on. Equal share leaves idle what capped teams cannot use; rules "
        "without money leave unallocated what nobody reports needing; the spot pool hands "
        "unsold tranches to teams that still value one more. Ask: *is an idle GPU waste if "
        "no team says it needs it? What does efficiency say?*",
    ),
    (
        "12–15 min",
        ("launch-crunch",),
        "explore",
        "A launch",
        "Load **launch-crunch** and run it. In week 16 product demand jumps. Compare GPUs by "
        "team before and after, and output value by division. Then switch *Governance* to "
        "**Split by division** (a fixed research share of the pool) and apply. Ask: *who "
        "should protect research when product is on fire — the market or leadership?*",
    ),
    (
        "15–19 min",
        ("lab-2025",),
        "compare",
        "Switch the mechanism",
        "Load **lab-2025**, open **Compare**: A is the uniform-price market, B the leadership "
        "committee, five seeds. Read the table and the scatter side by side: allocative "
        "efficiency, output value, Jain fairness, envy and mean stress, and which differences "
        "are clear rather than noise. Try B = Vickrey or max-min fair. Ask: *which rule would "
        "you choose for this lab, and why? What would the teams do to game it?*",
    ),
    (
        "19–20 min",
        (),
        "",
        "Debrief",
        "Three questions: which rule felt fairest to the teams and which was fairest by the "
        "numbers? Where did stress come from — scarcity itself or the way it was shared? What "
        "would you change in your own organisation's allocation?",
    ),
]

# The live-workshop plan (issue 12): the Workshop pages (Host, Play, Projector, Debrief).
WORKSHOP_PLAN: list[tuple[str, str, str, str]] = [
    # (time, page the facilitator works on, title, what to do and ask)
    (
        "before",
        "host",
        "Set up",
        "Start the app for the room: `crunch app --serve-room --workshops-dir workshops/` "
        "(it prints the address devices on the network reach). On this machine open "
        "**Host** with no link and create the workshop: scenario **classroom**, one seat "
        "per player or pair (up to 8), **6 rounds**, bidding 180 s, negotiation 120 s. "
        "Check that the address the links point to is the printed one. The page now shows "
        "your host link: bookmark it and keep it to yourself.",
    ),
    (
        "0–10 min",
        "host",
        "Join",
        "Project the **join sheet** (or print it: *Download the printable join sheet*) and "
        "let each player scan their card; a seat's link opens **Play** on a phone or a "
        "laptop. Walk the room through their page: their team, GPUs held and needed, "
        "credits, and the value of each extra tranche. Seats nobody takes are played by "
        "bots; *Hand to its bot* does the same for a seat whose player leaves. Open the "
        "**Projector** view on the big screen.",
    ),
    (
        "10–20 min",
        "play",
        "A practice round",
        "Press **Open round 1**. Players bid a few steps of *n tranches at up to p "
        "credits*; the Seats table ticks who has bid, and bidding closes by itself once "
        "everyone has. Then loans: a team short of GPUs offers to borrow from one with a "
        "surplus, and the other accepts, rejects or counters. *Close the round now* when "
        'the room is done. Ask: *did you get what you bid for? Read "why did I get '
        'this?" — what set the price?*',
    ),
    (
        "20–45 min",
        "projector",
        "Rounds 2–3 under one rule",
        "Play two more rounds under the uniform-price market. Use *Pause timer* to discuss "
        "the projector's price, GPUs per team and stress heat map, *Extend* when the room "
        'needs time, and *Send to everyone* to nudge ("who has spare GPUs?"). Ask: *who '
        "bid their true value? Who lent, who borrowed, and at what price?*",
    ),
    (
        "45–50 min",
        "host",
        "Change the rule",
        "In **Rules**, choose another rule for the next rounds and press *Change the rule*: "
        "pay as bid (you pay what you bid), Vickrey (you pay what you displace) or a rule "
        "without money such as max-min fair. Every Play page shows the change at once. "
        "Ask each team to write down how they will bid now, and why.",
    ),
    (
        "50–75 min",
        "play",
        "Rounds 4–6 under the new rule",
        "Play the last three rounds the same way. Ask: *did you change how you bid? Did "
        "the price, the loans or the stress map change?*",
    ),
    (
        "75–90 min",
        "debrief",
        "Debrief",
        "Open **Debrief** with the host link (the console has a button). Read two or three "
        "teams' stories round by round, then the comparison: the same session replayed "
        "under another rule, each player bidding the same share of each value. Ask: "
        "*which rule felt fairest and which was fairest by the numbers? Where did stress "
        "come from — scarcity itself or the way it was shared? What would you change in "
        "your own organisation's allocation?* Download the HTML debrief for the room.",
    ),
]
