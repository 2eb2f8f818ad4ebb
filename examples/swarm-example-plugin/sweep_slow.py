# examples/swarm-example-plugin/sweep_slow.py
"""How much do slow nodes hold push-pull back? Rounds to full coverage against the fraction
of slow nodes and their delay, as a sweep on a local Dask cluster."""

import swarm

if __name__ == "__main__":
    base = swarm.Scenario.from_dict({"nodes": 10_000, "protocol": "push-pull"})
    frame = swarm.sweep(base, grid={"faults.slow-nodes.fraction": [0.0, 0.25, 0.5, 1.0],
                                    "faults.slow-nodes.rounds": [1, 3]},
                        seeds=4, executor="local", out="data/sweeps/slow-nodes")
    print(frame.pivot_table(index="faults.slow-nodes.fraction",
                            columns="faults.slow-nodes.rounds", values="rounds_to_full"))
