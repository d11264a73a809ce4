// VantageSim: synthetic worlds and scenarios written as MRT archives (see Simulator.swift).
