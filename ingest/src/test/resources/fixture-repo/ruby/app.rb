require_relative 'base'

class App < Base
  def run
    greet
  end
end
