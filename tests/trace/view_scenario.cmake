# Runs SCENARIO through INTRSIM, then opens its trace in VIEW headless twice
# (PNG and BMP) at the trace's midpoint; both must succeed and two BMP runs
# must be byte-identical.  The binary trace (.itb) of the same run must
# render the same image.
execute_process(COMMAND ${INTRSIM} run ${SCENARIO} --quiet --trace ${OUT}.jsonl
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 2)
  message(FATAL_ERROR "intrsim run ${SCENARIO} refused it (exit 2)\n${out}${err}")
endif()
foreach(shot ${OUT}.png ${OUT}.1.bmp ${OUT}.2.bmp)
  file(REMOVE ${shot})
  execute_process(COMMAND ${VIEW} ${OUT}.jsonl --screenshot ${shot} --size 1280x800 --at 50%
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "trace-view ${OUT}.jsonl --screenshot ${shot} exited ${rc}\n${out}${err}")
  endif()
  if(NOT EXISTS ${shot})
    message(FATAL_ERROR "trace-view wrote no ${shot}")
  endif()
endforeach()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT}.1.bmp ${OUT}.2.bmp RESULT_VARIABLE same)
if(NOT same EQUAL 0)
  message(FATAL_ERROR "two renderings of ${OUT}.jsonl differ")
endif()

# The same run's binary trace (.itb) renders to the same image: both traces
# are opened under the same relative name (the name is drawn in the frame).
execute_process(COMMAND ${INTRSIM} run ${SCENARIO} --quiet --trace ${OUT}.itb
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 2)
  message(FATAL_ERROR "intrsim run ${SCENARIO} --trace ${OUT}.itb refused it (exit 2)\n${out}${err}")
endif()
file(REMOVE_RECURSE ${OUT}.d)
file(MAKE_DIRECTORY ${OUT}.d/jsonl ${OUT}.d/itb)
file(COPY_FILE ${OUT}.jsonl ${OUT}.d/jsonl/trace)
file(COPY_FILE ${OUT}.itb ${OUT}.d/itb/trace)
foreach(form jsonl itb)
  execute_process(COMMAND ${VIEW} trace --screenshot shot.bmp --size 1280x800 --at 50%
                  WORKING_DIRECTORY ${OUT}.d/${form}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "trace-view (${form} trace) --screenshot exited ${rc}\n${out}${err}")
  endif()
endforeach()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT}.d/jsonl/shot.bmp ${OUT}.d/itb/shot.bmp
                RESULT_VARIABLE same)
if(NOT same EQUAL 0)
  message(FATAL_ERROR "the binary trace ${OUT}.itb renders differently from ${OUT}.jsonl")
endif()
execute_process(COMMAND ${VIEW} ${OUT}.itb --screenshot ${OUT}.itb.png --size 1280x800 --at 50%
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT EXISTS ${OUT}.itb.png)
  message(FATAL_ERROR "trace-view ${OUT}.itb --screenshot ${OUT}.itb.png exited ${rc}\n${out}${err}")
endif()
