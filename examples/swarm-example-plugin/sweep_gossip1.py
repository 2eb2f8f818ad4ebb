# examples/swarm-example-plugin/sweep_gossip1.py
"""Where does gossip1 get through? Final coverage against p on a torus (a 2-d lattice), as
a sweep on a local Dask cluster."""

import swarm

if __name__ == "__main__":  # the cluster's worker processes import this file again
    base = swarm.Scenario.from_dict({"nodes": 2500, "topology": "torus", "protocol": "gossip1"})
    frame = swarm.sweep(base, grid={"protocol.p": [0.4, 0.5, 0.6, 0.7, 0.8, 0.9]}, seeds=8,
                        executor="local", out="data/sweeps/gossip1-p")
    print(frame.groupby("protocol.p")["coverage_final"].agg(["mean", "min", "max"]))
