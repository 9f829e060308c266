"""The server: what an open Train page, the live view's probes and charts and the Inside page
cost; a workshop of learners at once; a browser's first visit; a hostile soak on a hosted
server; listing many runs from the store; the in-process queue against a Ray cluster; how many
learners a cluster serves.

    DIGITS_DATA_DIR=../shared/data python -m bench.server load --sessions 8
    DIGITS_DATA_DIR=../shared/data python -m bench.server class-load --learners 30 --arch logistic --arch mlp
    DIGITS_DATA_DIR=../shared/data python -m bench.server live-view --browser-cpu 1

The browser parts (live-view, first-visit, first-views) start `streamlit run app.py` and Debian's headless
chromium through tests/support/browser.py, the harness the browser tests use.
"""
from bench.common import Part, main
from bench.server.capacity import CAPACITY_DOC, capacity_options, run_capacity
from bench.server.class_load import CLASS_LOAD_DOC, class_load_options, run_class_load
from bench.server.cluster import CLUSTER_DOC, cluster_options, run_cluster
from bench.server.first_views import FIRST_VIEWS_DOC, first_views_options, run_first_views
from bench.server.first_visit import FIRST_VISIT_DOC, first_visit_options, run_first_visit
from bench.server.inside import INSIDE_DOC, inside_options, run_inside
from bench.server.listing import LISTING_DOC, listing_options, run_listing
from bench.server.live_view import LIVE_VIEW_DOC, live_view_options, run_live_view
from bench.server.load import LOAD_DOC, load_options, run_load
from bench.server.probes import PROBES_DOC, probes_options, run_probes
from bench.server.soak import SOAK_DOC, run_soak_part, soak_options
from bench.server.worst_links import WORST_LINKS_DOC, run_worst_links_part, worst_links_options

PARTS = (
    Part("live-view", run_live_view, "training examples/s with /train open in headless chromium against the CLI, "
         "and the server's CPU besides the training", "not recorded; each repeat trains once through the page and "
         "once through the CLI", live_view_options, LIVE_VIEW_DOC),
    Part("probes", run_probes, "what the live accuracy probes add to a training's wall clock, and one redraw of the "
         "Train page's two charts", "not recorded; --repeat trainings of each default preset (0.7-21.2 training s "
         "an epoch on 2026-12-01)", probes_options, PROBES_DOC),
    Part("inside", run_inside, "what the Inside page's views cost the server, per default model, in ms",
         "not recorded", inside_options, INSIDE_DOC),
    Part("load", run_load, "a workshop: --sessions learners (AppTest sessions of one server) train and draw at "
         "once; wall s, queue waits, peak RSS, problems", "17-26 s for 8 sessions, 52 s for 16", load_options,
         LOAD_DOC),
    Part("class-load", run_class_load, "30 learners on one server: --learners AppTest sessions start a fast preset at "
         "once and watch its live view, or nobody watches; the last end against the ideal, the watchers' cost to "
         "examples/s, peak RSS", "5 min 15 s for 30 learners, logistic then mlp", class_load_options, CLASS_LOAD_DOC),
    Part("first-visit", run_first_visit, "a browser's first visit to the Train page against a reload",
         "not recorded; a server start, then visits of 0.4-2.4 s", first_visit_options, FIRST_VISIT_DOC),
    Part("first-views", run_first_views, "a fresh server with three trained runs: seconds to its first page's "
         "heading and to its first Compare's bent-digit bars, bent accuracies stored against worked out",
         "90 s for --repeat 3: 3 fast trainings (17 s), then 6 fresh servers", first_views_options,
         FIRST_VIEWS_DOC),
    Part("soak", run_soak_part, "a hostile soak: --visitors ask a hosted server for the largest trainings it "
         "allows for --seconds; RSS, store size, queue waits", "--seconds (60) and the last trainings' stops",
         soak_options, SOAK_DOC),
    Part("worst-links", run_worst_links_part, "--visitors fresh cookies on one network open the worst links a "
         "hosted server allows under a --limit-seconds time limit, and a learner on another network queues a "
         "training: how long trainings ran and the learner waited", "--seconds (90), then the last trainings' "
         "ends", worst_links_options, WORST_LINKS_DOC),
    Part("listing", run_listing, "listing many runs (list_runs with and without curves, live only) on SQLite and "
         "PostgreSQL", "not recorded", listing_options, LISTING_DOC),
    Part("cluster", run_cluster, "N trainings at once: the in-process queue against a Ray cluster, and the Ray "
         "head's memory", "a round took 9.0 s in-process and 16.9 s on Ray at 20,000 images, 22.3 s and 30.1 s at "
         "60,000; 3 rounds", cluster_options, CLUSTER_DOC),
    Part("capacity", run_capacity, "how many learners a cluster serves: each preset's turn on the cluster, "
         "trainings a minute per CPU, and a simulated lesson", "each preset trained --repeat times one at a time "
         "(the defaults' CNN longest), then seconds of simulation", capacity_options, CAPACITY_DOC),
)

if __name__ == "__main__":
    main("server", __doc__.split("\n\n")[0], PARTS)
