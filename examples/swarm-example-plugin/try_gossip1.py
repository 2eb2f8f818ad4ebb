# examples/swarm-example-plugin/try_gossip1.py
"""One run of gossip1 on the agent path, then the same run on the kernel path."""

import swarm
from swarm_example.gossip1 import Gossip1

if "gossip1" not in swarm.PROTOCOLS:  # not installed yet (step 5): register it in code
    swarm.register_protocol(Gossip1)

scenario = swarm.Scenario.from_dict({"nodes": 2500, "topology": "torus",
                                     "protocol": "gossip1", "protocol.p": 0.7, "seed": 1})
SHOW = ("coverage_final", "rounds", "messages_total")
agents = swarm.simulate(scenario, engine="agents")
print("agents: ", {key: agents.summary[key] for key in SHOW})

# step 4: the kernel path gives the very same run
kernels = swarm.simulate(scenario, engine="kernels")
print("kernels:", {key: kernels.summary[key] for key in SHOW})
assert kernels.rounds.equals(agents.rounds), "the two paths differ"
print("the two paths agree")
