class Base
  def greet
    puts "hi"
  end
end
